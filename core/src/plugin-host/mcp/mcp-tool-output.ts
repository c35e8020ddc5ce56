import { ToolError } from '@acai/plugin-sdk';
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import type { ToolImage } from '../../tool-calls/index.js';
import type { RuntimeToolOutput } from '../plugin-runtime.js';
import { acceptToolImage } from './accept-tool-image.js';

/**
 * Turns an MCP `CallToolResult` into what the call path expects: the content blocks as readable text
 * (binary blocks are described, never passed on as base64 the model cannot use), `structuredContent` as
 * the result's data, and image blocks that pass {@link acceptToolImage} as images for the user (the
 * model reads that they were shown). `isError: true` becomes an UPSTREAM_FAILED ToolError carrying the
 * server's text, so the model reads it and the breaker counts it like any plugin's upstream failure.
 */
export function toToolOutput(result: CallToolResult, toolName: string): RuntimeToolOutput {
  const blocks = Array.isArray(result.content) ? result.content : [];
  const images: ToolImage[] = [];
  const text = blocks.map((block) => describeBlock(block, images)).join('\n');
  const structured = result.structuredContent;
  if (result.isError === true) {
    throw new ToolError('UPSTREAM_FAILED', text === '' ? `The tool "${toolName}" reported an error without a message.` : text);
  }
  if (structured === undefined && images.length === 0) return text;
  // A result with only structured content still needs text for the model.
  const content = text === '' && structured !== undefined ? JSON.stringify(structured) : text;
  return { content, ...(structured === undefined ? {} : { data: structured }), ...(images.length === 0 ? {} : { images }) };
}

function describeBlock(block: ContentBlock, images: ToolImage[]): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image': {
      const accepted = acceptToolImage(block, images.length);
      if (accepted.image !== undefined) images.push(accepted.image);
      return accepted.description;
    }
    case 'audio':
      return `[${block.type} ${block.mimeType}, ${base64Bytes(block.data)} bytes, not shown]`;
    case 'resource': {
      const resource = block.resource;
      const label = `[resource ${resource.uri}${resource.mimeType === undefined ? '' : ` (${resource.mimeType})`}]`;
      return 'text' in resource ? `${label}\n${resource.text}` : `${label} ${base64Bytes(resource.blob)} bytes of binary content, not shown`;
    }
    case 'resource_link':
      return `[resource link ${block.name} ${block.uri}${block.mimeType === undefined ? '' : ` (${block.mimeType})`}]${block.description === undefined ? '' : ` ${block.description}`}`;
    default:
      return `[${String((block as { type?: unknown }).type)} content, not shown]`;
  }
}

/** Decoded size of base64 text, without decoding it. */
function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}
