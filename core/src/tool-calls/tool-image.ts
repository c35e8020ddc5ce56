/**
 * The raster image formats a tool result may carry to the user. SVG is deliberately absent: it is
 * markup that can hold script, and a console that shows tool images must never render markup.
 */
export const TOOL_IMAGE_MIME_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

/** One of {@link TOOL_IMAGE_MIME_TYPES}. */
export type ToolImageMimeType = (typeof TOOL_IMAGE_MIME_TYPES)[number];

/**
 * An image a tool returned (today: an MCP server's `image` content block), checked at the boundary
 * where it entered the host — a raster type from the list, bytes that start like that type, within
 * the size limits — and carried, still checked, to the stored turn and the API. The model never sees
 * the bytes, only a line saying an image was shown to the user.
 */
export interface ToolImage {
  readonly mimeType: ToolImageMimeType;
  /** The image bytes as standard base64 (no data: prefix, no line breaks). */
  readonly data: string;
}
