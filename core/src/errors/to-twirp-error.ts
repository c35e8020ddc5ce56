import { HostError, type HostErrorCode } from './host-error.js';
import { TwirpError, type TwirpCode } from './twirp-error.js';

// Exhaustive: adding a HostErrorCode without a wire mapping is a compile error.
const WIRE_CODE: Record<HostErrorCode, TwirpCode> = {
  HOST_CONFIG_INVALID: 'internal',
  HOST_PLUGIN_NOT_FOUND: 'internal',
  HOST_PLUGIN_VERSION_MISMATCH: 'internal',
  HOST_PLUGIN_SDK_MISMATCH: 'internal',
  HOST_PLUGIN_HOST_MISMATCH: 'internal',
  HOST_PLUGIN_MANIFEST_INVALID: 'internal',
  HOST_PLUGIN_CONFIG_INVALID: 'internal',
  HOST_PLUGIN_SECRET_MISSING: 'internal',
  HOST_PLUGIN_SCHEMA_INVALID: 'internal',
  HOST_DUPLICATE_TOOL: 'internal',
  HOST_PLUGIN_IMPORT_FAILED: 'internal',
  HOST_PLUGIN_SETUP_FAILED: 'internal',
  HOST_PLUGIN_SETUP_TIMEOUT: 'internal',
  HOST_PLUGIN_REQUIRED_FAILED: 'internal',
  HOST_PLUGIN_DEPENDENCY_MISSING: 'internal',
  HOST_PLUGIN_INTEGRITY_MISMATCH: 'internal',
  HOST_PLUGIN_SIGNATURE_MISSING: 'internal',
  HOST_PLUGIN_SIGNATURE_UNTRUSTED: 'internal',
  HOST_PLUGIN_SIGNATURE_INVALID: 'internal',
  HOST_PLUGIN_BREAKING_CHANGE: 'internal',
  HOST_PLUGIN_IMPORT_TIMEOUT: 'internal',
  HOST_PLUGIN_CRASHED: 'internal',
  HOST_PLUGIN_MCP_CONNECT_FAILED: 'internal',
  HOST_PLUGIN_MCP_INITIALIZE_TIMEOUT: 'internal',
  HOST_PLUGIN_MCP_PROTOCOL_ERROR: 'internal',
  HOST_PLUGIN_PERMISSION_NOT_GRANTED: 'internal',
  HOST_SANDBOX_UNAVAILABLE: 'internal',
  HOST_SANDBOX_REFUSED: 'internal',
  HOST_ADMIN_PLUGIN_UNKNOWN: 'not_found',
  HOST_ADMIN_PLUGIN_NOT_LOADED: 'failed_precondition',
  HOST_ADMIN_CHANGE_REFUSED: 'failed_precondition',
  HOST_INVALID_ARGUMENT: 'invalid_argument',
  HOST_CONVERSATION_NOT_FOUND: 'not_found',
  HOST_CONVERSATION_CONFLICT: 'aborted',
  HOST_UNAUTHENTICATED: 'unauthenticated',
  HOST_PERMISSION_DENIED: 'permission_denied',
  HOST_RATE_LIMITED: 'resource_exhausted',
  HOST_MODEL_NOT_CONFIGURED: 'failed_precondition',
  HOST_MODEL_UNAVAILABLE: 'unavailable',
  HOST_MODEL_REJECTED: 'internal',
  HOST_DEADLINE_EXCEEDED: 'deadline_exceeded',
  HOST_CANCELED: 'canceled',
  HOST_STORE_UNAVAILABLE: 'unavailable',
  HOST_NOT_IMPLEMENTED: 'unimplemented',
  HOST_SHUTTING_DOWN: 'unavailable',
  HOST_OVERLOADED: 'unavailable',
  HOST_INTERNAL: 'internal',
  // Like HOST_MODEL_NOT_CONFIGURED: the host's model setup, not the request, is what must change.
  HOST_MODEL_CREDENTIALS_REJECTED: 'failed_precondition',
  // Twirp has no 413 code; the transport sends resource_exhausted with HTTP 413 and the limit in meta.
  HOST_REQUEST_TOO_LARGE: 'resource_exhausted',
};

// Codes whose HostError message was written for clients (an `unavailable` error says what to retry,
// never which driver failed). Every other code — of the mapped ones only `internal` — gets
// INTERNAL_MESSAGE, so upstream, driver or plugin detail never reaches the wire.
const CLIENT_FACING: ReadonlySet<TwirpCode> = new Set([
  'invalid_argument',
  'not_found',
  'aborted',
  'unauthenticated',
  'permission_denied',
  'resource_exhausted',
  'failed_precondition',
  'deadline_exceeded',
  'canceled',
  'unimplemented',
  'unavailable',
]);

/** The whole text of every error that is not client-facing, and of anything unrecognised. */
const INTERNAL_MESSAGE = 'internal error';

/**
 * The one mapping from anything thrown to the wire. Unknown errors become `internal`
 * with a generic message; a catch-all never emits a client-fault code.
 */
export function toTwirpError(error: unknown): TwirpError {
  if (error instanceof TwirpError) return error;
  if (HostError.isInstance(error)) {
    const code = WIRE_CODE[error.code] ?? 'internal';
    const message = CLIENT_FACING.has(code) ? error.message : INTERNAL_MESSAGE;
    const meta = CLIENT_FACING.has(code) ? error.meta : {};
    const headers: Record<string, string> = {};
    if ((code === 'resource_exhausted' || code === 'unavailable') && error.meta.retry_after_seconds) {
      headers['retry-after'] = error.meta.retry_after_seconds;
    }
    return new TwirpError(code, message, meta, headers, error.code === 'HOST_REQUEST_TOO_LARGE' ? 413 : undefined);
  }
  return new TwirpError('internal', INTERNAL_MESSAGE);
}
