// The console's only way to build DOM. Text always goes in as text nodes and attributes through
// setAttribute, so data from the host (replies, tool results, plugin errors) can never become markup.
// There is no innerHTML anywhere, and the page's CSP requires Trusted Types, so one would throw.

/** A child: a node, text, or nothing (for conditionals). */
export type Child = Node | string | number | null | undefined | false;

/** Attributes and event listeners: `{ class: 'x', 'aria-label': 'y', onclick: handler }`. */
export type Properties = Readonly<Record<string, string | number | boolean | undefined | ((event: Event) => void)>>;

// Attributes that would run or load code from a string; the console never needs them.
const FORBIDDEN_ATTRIBUTES = new Set(['style', 'srcdoc', 'formaction']);

/** Creates an HTML element with attributes, listeners (`on…` functions) and children. */
export function element<Tag extends keyof HTMLElementTagNameMap>(tag: Tag, properties: Properties = {}, ...children: Child[]): HTMLElementTagNameMap[Tag] {
  const node = document.createElement(tag);
  applyProperties(node, properties);
  append(node, ...children);
  return node;
}

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/** Creates an SVG element (charts) with attributes and children. */
export function svgElement<Tag extends keyof SVGElementTagNameMap>(tag: Tag, properties: Properties = {}, ...children: Child[]): SVGElementTagNameMap[Tag] {
  const node = document.createElementNS(SVG_NAMESPACE, tag);
  applyProperties(node, properties);
  append(node, ...children);
  return node;
}

/** Appends children, turning strings and numbers into text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces all children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

function applyProperties(node: Element, properties: Properties): void {
  for (const [name, value] of Object.entries(properties)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') {
      if (!name.startsWith('on')) throw new TypeError(`a listener must be named on…, got ${name}`);
      node.addEventListener(name.slice(2), value);
      continue;
    }
    const lowerName = name.toLowerCase();
    if (lowerName.startsWith('on') || FORBIDDEN_ATTRIBUTES.has(lowerName)) throw new TypeError(`the console never sets the ${name} attribute`);
    const text = value === true ? '' : String(value);
    if ((lowerName === 'href' || lowerName === 'src') && !isSafeUrl(text)) throw new TypeError(`refusing a ${name} that is not a same-origin or http(s) URL`);
    node.setAttribute(name, text);
  }
}

function isSafeUrl(url: string): boolean {
  if (url.startsWith('/') || url.startsWith('#')) return !url.startsWith('//');
  return /^https?:\/\//i.test(url);
}

// The raster types a tool image may have (the host checked the bytes too); never SVG, which is markup.
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Longest base64 text shown as an image (the host caps images at 512 KiB; this leaves room for its encoding). */
export const MAX_IMAGE_BASE64_LENGTH = 700_000;

/**
 * An `<img>` showing base64 image bytes through a `data:` URL (the CSP allows `img-src data:`), or null
 * when the type is not a raster type from the list, the text is not base64, or it is too large. An
 * `<img>` never runs script, and the type check keeps SVG out even so.
 */
export function dataImage(mimeType: string | undefined, base64: string | undefined, alt: string): HTMLImageElement | null {
  if (mimeType === undefined || base64 === undefined || !IMAGE_TYPES.has(mimeType)) return null;
  if (base64.length === 0 || base64.length > MAX_IMAGE_BASE64_LENGTH || base64.length % 4 !== 0 || !BASE64.test(base64)) return null;
  const image = element('img', { alt, loading: 'lazy', decoding: 'async' });
  // Set directly: element() only lets same-origin and http(s) URLs through, and this one is checked above.
  image.src = `data:${mimeType};base64,${base64}`;
  return image;
}

/**
 * Offers `content` as a file download: a Blob URL the console made itself, clicked on a detached link
 * and revoked right after.
 */
export function downloadFile(fileName: string, contentType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: contentType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 0);
}
