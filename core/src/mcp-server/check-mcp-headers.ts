import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type { McpRefusal } from './mcp-refusal.js';

/** The parts of a request the header checks read (a FastifyRequest fits). */
export interface McpHeaderSource {
  readonly method: string;
  readonly headers: { readonly origin?: string | undefined; readonly accept?: string | undefined; readonly 'content-type'?: string | undefined };
}

/**
 * Origin (DNS rebinding), Accept and Content-Type, in the order the SDK's transport checks them. Runs
 * before the body is read, so a refused origin or media type never costs an upload.
 */
export function checkMcpHeaders(request: McpHeaderSource, allowedOrigins: ReadonlySet<string>): McpRefusal | undefined {
  const origin = request.headers.origin;
  // Desktop apps, IDEs and SDK clients send no Origin; a browser always does on a POST. A page that
  // rebinds its own DNS name to this host must not reach the tools with a trusted network's access.
  if (origin !== undefined && !allowedOrigins.has(origin)) {
    return { status: 403, code: -32000, message: 'Forbidden: this Origin may not use /mcp (see MCP_ALLOWED_ORIGINS)', reason: 'origin' };
  }
  const accept = request.headers.accept ?? '';
  if (request.method === 'POST') {
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return { status: 406, code: -32000, message: 'Not Acceptable: Client must accept both application/json and text/event-stream', reason: 'not_acceptable' };
    }
    if (!isJsonContentType(request.headers['content-type'] ?? null)) {
      return { status: 415, code: -32000, message: 'Unsupported Media Type: Content-Type must be application/json', reason: 'unsupported_media_type' };
    }
  } else if (request.method === 'GET' && !accept.includes('text/event-stream')) {
    return { status: 406, code: -32000, message: 'Not Acceptable: Client must accept text/event-stream', reason: 'not_acceptable' };
  }
  return undefined;
}
