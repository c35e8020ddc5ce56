import { ErrorCode, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpRefusal } from './mcp-refusal.js';

/** Most messages one POST may batch (JSON-RPC batches exist only in protocol 2025-03-26; every extra message also costs a request token). */
export const MAX_BATCH_MESSAGES = 20;

/** A POST body that parsed: one JSON-RPC message or a bounded batch, shapes still unchecked. */
export interface ParsedMcpBody {
  readonly body: unknown;
}

/** Parses a POST body: one JSON-RPC message or a bounded batch (the SDK validates each message's shape). */
export function parseMcpMessages(text: string | undefined): ParsedMcpBody | McpRefusal {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    return { status: 400, code: ErrorCode.ParseError, message: 'Parse error: Invalid JSON', reason: 'parse_error' };
  }
  if (Array.isArray(parsed) && (parsed.length === 0 || parsed.length > MAX_BATCH_MESSAGES)) {
    return {
      status: 400,
      code: ErrorCode.InvalidRequest,
      message: `Invalid Request: a batch must hold 1 to ${MAX_BATCH_MESSAGES} messages (got ${parsed.length}); send one message per request`,
      reason: 'invalid_batch',
    };
  }
  return { body: parsed };
}

/** True when the message, or any message of the batch, is a well-formed initialize. */
export function containsInitialize(body: unknown): boolean {
  return Array.isArray(body) ? body.some((message) => isInitializeRequest(message)) : isInitializeRequest(body);
}

/** An initialize whose params the SDK would not recognise: answered by the route, since no session can take it. */
export function isMalformedInitialize(body: unknown): boolean {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.some((message) => typeof message === 'object' && message !== null && (message as { method?: unknown }).method === 'initialize' && !isInitializeRequest(message));
}
