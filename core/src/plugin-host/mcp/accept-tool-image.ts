import { TOOL_IMAGE_MIME_TYPES, type ToolImage, type ToolImageMimeType } from '../../tool-calls/index.js';

/** Largest image shown to the user, decoded (an MCP server can send any size). */
export const MAX_TOOL_IMAGE_BYTES = 512 * 1024;
/** Most images one tool call shows; the rest are only described. */
export const MAX_TOOL_IMAGES_PER_CALL = 4;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MIME_TYPES: ReadonlySet<string> = new Set(TOOL_IMAGE_MIME_TYPES);

// The first bytes each format must start with. A server that calls markup "image/png" is caught here,
// and whatever the console later puts in a data: URL is a raster image in fact, not only in name.
const SIGNATURES: Readonly<Record<ToolImageMimeType, (bytes: Buffer) => boolean>> = {
  'image/png': (bytes) => bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (bytes) => bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff,
  'image/gif': (bytes) => ['GIF87a', 'GIF89a'].includes(bytes.subarray(0, 6).toString('latin1')),
  'image/webp': (bytes) => bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP',
};

/** What becomes of one image block: the checked image (if it is shown) and the line the model reads. */
export interface AcceptedToolImage {
  readonly image?: ToolImage;
  readonly description: string;
}

/**
 * Checks an MCP `image` block before it can reach a user: a raster type from the allowed list (never
 * SVG), valid base64 whose bytes start like that type, at most {@link MAX_TOOL_IMAGE_BYTES}, and no more
 * than {@link MAX_TOOL_IMAGES_PER_CALL} per call (`alreadyShown` counts the ones before it). The base64
 * is re-encoded, so what is stored and served is canonical. A refused image is only described.
 */
export function acceptToolImage(block: { readonly data: string; readonly mimeType: string }, alreadyShown: number): AcceptedToolImage {
  const mimeType = block.mimeType.trim().toLowerCase();
  const text = block.data.replace(/\s+/g, '');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const approximateBytes = Math.max(0, Math.floor((text.length * 3) / 4) - padding);
  const refuse = (reason: string): AcceptedToolImage => ({ description: `[image ${describeType(block.mimeType)}, ${approximateBytes} bytes, not shown: ${reason}]` });
  if (!MIME_TYPES.has(mimeType)) return refuse('only PNG, JPEG, GIF and WebP images are shown');
  if (approximateBytes > MAX_TOOL_IMAGE_BYTES) return refuse(`larger than ${MAX_TOOL_IMAGE_BYTES / 1024} KiB`);
  if (alreadyShown >= MAX_TOOL_IMAGES_PER_CALL) return refuse(`more than ${MAX_TOOL_IMAGES_PER_CALL} images in one result`);
  if (text.length % 4 !== 0 || !BASE64.test(text)) return refuse('the data is not base64');
  const bytes = Buffer.from(text, 'base64');
  if (!SIGNATURES[mimeType as ToolImageMimeType](bytes)) return refuse(`the data is not a ${mimeType.slice('image/'.length).toUpperCase()} image`);
  return {
    image: { mimeType: mimeType as ToolImageMimeType, data: bytes.toString('base64') },
    description: `[image ${mimeType}, ${bytes.length} bytes, shown to the user]`,
  };
}

// The server's text goes into the model's context: keep it short and on one line.
function describeType(mimeType: string): string {
  const oneLine = mimeType.replace(/[^\x21-\x7e]/g, '');
  return oneLine.length > 60 ? `${oneLine.slice(0, 60)}…` : oneLine || 'of no type';
}
