import { ToolError, type ToolErrorCode } from '@acai/plugin-sdk';
import type { SerializedError } from './worker-protocol.js';

const TOOL_ERROR_CODES: ReadonlySet<string> = new Set<ToolErrorCode>([
  'INVALID_INPUT',
  'NOT_FOUND',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_FAILED',
  'RATE_LIMITED',
  'TIMEOUT',
  'FORBIDDEN',
  'INTERNAL',
]);

/** Turns anything thrown into plain data that survives structured clone. */
export function serializeError(error: unknown): SerializedError {
  if (ToolError.isInstance(error)) {
    return {
      kind: 'tool',
      code: String(error.code),
      message: String(error.message),
      ...(isPlainRecord(error.details) ? { details: error.details } : {}),
    };
  }
  if (error instanceof Error) {
    return { kind: 'error', name: String(error.name), message: String(error.message), ...(error.stack === undefined ? {} : { stack: String(error.stack) }) };
  }
  return { kind: 'error', name: 'Error', message: describeThrown(error) };
}

/**
 * Re-creates a failure on this side of the boundary. ToolErrors come back as real ToolErrors so the
 * call path's breaker classification (caller fault or not) works; an unknown code becomes INTERNAL.
 * Input is untrusted: anything malformed becomes a generic Error.
 */
export function deserializeError(serialized: unknown): Error {
  if (!isPlainRecord(serialized)) return new Error('plugin worker sent a malformed error');
  const message = typeof serialized.message === 'string' ? serialized.message : 'unknown error';
  if (serialized.kind === 'tool') {
    const code = typeof serialized.code === 'string' && TOOL_ERROR_CODES.has(serialized.code) ? (serialized.code as ToolErrorCode) : 'INTERNAL';
    const details = isPlainRecord(serialized.details) ? serialized.details : undefined;
    return new ToolError(code, message, details === undefined ? {} : { details });
  }
  const error = new Error(message);
  if (typeof serialized.name === 'string') error.name = serialized.name;
  if (typeof serialized.stack === 'string') error.stack = serialized.stack;
  return error;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeThrown(value: unknown): string {
  try {
    return `non-error thrown: ${String(value)}`;
  } catch {
    return 'non-error thrown';
  }
}
