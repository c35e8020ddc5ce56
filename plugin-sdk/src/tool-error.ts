/**
 * Stable codes a tool can fail with. The host maps each to what the model sees
 * and decides whether the failure counts against the plugin's circuit breaker.
 */
export type ToolErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_FAILED'
  | 'RATE_LIMITED'
  | 'TIMEOUT'
  | 'FORBIDDEN'
  | 'INTERNAL';

/** Codes caused by the caller's input: they never trip a circuit breaker. */
export const CALLER_FAULT_CODES: ReadonlySet<ToolErrorCode> = new Set(['INVALID_INPUT', 'NOT_FOUND']);

const BRAND = Symbol.for('acai.plugin-sdk.ToolError');

/** Options for {@link ToolError}. */
export interface ToolErrorOptions {
  /** The underlying error, kept for logs; never shown to the model. */
  cause?: unknown;
  /** Extra machine-readable detail shown to the model (keep it small). */
  details?: Record<string, unknown>;
}

/**
 * The error a tool throws to tell the model (and the operator) what went wrong.
 *
 * @example
 * throw new ToolError('INVALID_INPUT', `Unknown time zone "${args.timeZone}"`);
 */
export class ToolError extends Error {
  /** The stable code of this failure. */
  readonly code: ToolErrorCode;
  /** Extra machine-readable detail shown to the model. */
  readonly details: Record<string, unknown> | undefined;
  readonly [BRAND] = true;

  constructor(code: ToolErrorCode, message: string, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolError';
    this.code = code;
    this.details = options.details;
  }

  /** True for any ToolError, including one made by another copy of the SDK. */
  static isInstance(value: unknown): value is ToolError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
