/** A Twirp error code as received by a client (spec v7). */
export type TwirpErrorCode =
  | 'canceled'
  | 'unknown'
  | 'invalid_argument'
  | 'malformed'
  | 'deadline_exceeded'
  | 'not_found'
  | 'bad_route'
  | 'already_exists'
  | 'permission_denied'
  | 'unauthenticated'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'dataloss';

export const TWIRP_ERROR_CODES: ReadonlySet<string> = new Set<TwirpErrorCode>([
  'canceled',
  'unknown',
  'invalid_argument',
  'malformed',
  'deadline_exceeded',
  'not_found',
  'bad_route',
  'already_exists',
  'permission_denied',
  'unauthenticated',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal',
  'unavailable',
  'dataloss',
]);

const BRAND = Symbol.for('acai.core.TwirpClientError');

/**
 * A failed call as a client saw it: a Twirp error from the server, an error mapped from a non-Twirp
 * intermediary response (Go client table), or a transport failure. The in-process chat adapter
 * raises it too, so front-ends handle one error type whichever way they reach the host.
 */
export class TwirpClientError extends Error {
  readonly code: TwirpErrorCode;
  readonly meta: Readonly<Record<string, string>>;
  /** HTTP status of the response, or 0 when no response arrived. */
  readonly httpStatus: number;
  /** True when no HTTP response arrived at all (connection refused, reset, DNS). */
  readonly isTransportFailure: boolean;
  readonly [BRAND] = true;

  constructor(
    code: TwirpErrorCode,
    message: string,
    options: { meta?: Record<string, string>; httpStatus?: number; isTransportFailure?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TwirpClientError';
    this.code = code;
    this.meta = options.meta ?? {};
    this.httpStatus = options.httpStatus ?? 0;
    this.isTransportFailure = options.isTransportFailure ?? false;
  }

  /** True when retrying the same call later may succeed (host down, overloaded, slow). */
  get isRetryable(): boolean {
    return (
      this.isTransportFailure ||
      this.code === 'unavailable' ||
      this.code === 'deadline_exceeded' ||
      this.code === 'resource_exhausted'
    );
  }

  static isInstance(value: unknown): value is TwirpClientError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
