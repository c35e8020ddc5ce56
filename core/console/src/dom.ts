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
