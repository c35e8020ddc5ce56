/**
 * Every failure the host itself can produce, each with one audience-facing meaning.
 * The wire mapping in to-twirp-error.ts must cover every code (the compiler checks it).
 */
export type HostErrorCode =
  // configuration and boot (operators)
  | 'HOST_CONFIG_INVALID'
  | 'HOST_PLUGIN_NOT_FOUND'
  | 'HOST_PLUGIN_VERSION_MISMATCH'
  | 'HOST_PLUGIN_SDK_MISMATCH'
  | 'HOST_PLUGIN_HOST_MISMATCH'
  | 'HOST_PLUGIN_MANIFEST_INVALID'
  | 'HOST_PLUGIN_CONFIG_INVALID'
  | 'HOST_PLUGIN_SECRET_MISSING'
  | 'HOST_PLUGIN_SCHEMA_INVALID'
  | 'HOST_DUPLICATE_TOOL'
  | 'HOST_PLUGIN_IMPORT_FAILED'
  | 'HOST_PLUGIN_SETUP_FAILED'
  | 'HOST_PLUGIN_SETUP_TIMEOUT'
  | 'HOST_PLUGIN_REQUIRED_FAILED'
  // supply chain: installed releases, signatures, schema compatibility (operators)
  | 'HOST_PLUGIN_DEPENDENCY_MISSING'
  | 'HOST_PLUGIN_INTEGRITY_MISMATCH'
  | 'HOST_PLUGIN_SIGNATURE_MISSING'
  | 'HOST_PLUGIN_SIGNATURE_UNTRUSTED'
  | 'HOST_PLUGIN_SIGNATURE_INVALID'
  | 'HOST_PLUGIN_BREAKING_CHANGE'
  /** A worker plugin's import ran past its start-up hard deadline (retried at start-up, like the other timeouts). */
  | 'HOST_PLUGIN_IMPORT_TIMEOUT'
  /** A loaded plugin's worker or MCP server stopped (crash, hard deadline, exit): ListPlugins' last error code. */
  | 'HOST_PLUGIN_CRASHED'
  // MCP-server plugins (operators)
  | 'HOST_PLUGIN_MCP_CONNECT_FAILED'
  | 'HOST_PLUGIN_MCP_INITIALIZE_TIMEOUT'
  | 'HOST_PLUGIN_MCP_PROTOCOL_ERROR'
  // permissions and the sandbox (operators)
  | 'HOST_PLUGIN_PERMISSION_NOT_GRANTED'
  | 'HOST_SANDBOX_UNAVAILABLE'
  | 'HOST_SANDBOX_REFUSED'
  // plugin admin API (operators: its callers see the message)
  | 'HOST_ADMIN_PLUGIN_UNKNOWN'
  | 'HOST_ADMIN_PLUGIN_NOT_LOADED'
  | 'HOST_ADMIN_CHANGE_REFUSED'
  // requests (clients)
  | 'HOST_INVALID_ARGUMENT'
  | 'HOST_CONVERSATION_NOT_FOUND'
  | 'HOST_CONVERSATION_CONFLICT'
  | 'HOST_UNAUTHENTICATED'
  | 'HOST_PERMISSION_DENIED'
  | 'HOST_RATE_LIMITED'
  | 'HOST_MODEL_NOT_CONFIGURED'
  | 'HOST_MODEL_UNAVAILABLE'
  | 'HOST_MODEL_REJECTED'
  | 'HOST_DEADLINE_EXCEEDED'
  | 'HOST_CANCELED'
  | 'HOST_STORE_UNAVAILABLE'
  | 'HOST_NOT_IMPLEMENTED'
  | 'HOST_SHUTTING_DOWN'
  | 'HOST_OVERLOADED'
  | 'HOST_INTERNAL'
  // failures named for their reader (issue 16)
  | 'HOST_MODEL_CREDENTIALS_REJECTED'
  | 'HOST_REQUEST_TOO_LARGE';

const BRAND = Symbol.for('acai.core.HostError');

/** Options for {@link HostError}. */
export interface HostErrorOptions {
  cause?: unknown;
  /** String key/values safe to show to clients (e.g. `{ argument: 'message' }`). */
  meta?: Record<string, string>;
}

/** An error raised by the host. Its message must be safe for the audience of its code. */
export class HostError extends Error {
  readonly code: HostErrorCode;
  readonly meta: Record<string, string>;
  readonly [BRAND] = true;

  constructor(code: HostErrorCode, message: string, options: HostErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HostError';
    this.code = code;
    this.meta = options.meta ?? {};
  }

  static isInstance(value: unknown): value is HostError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Shorthand for the most common client error: a named argument is wrong. */
export function invalidArgument(argument: string, message: string): HostError {
  return new HostError('HOST_INVALID_ARGUMENT', message, { meta: { argument } });
}
