/** Twirp error codes (spec v7) and their HTTP statuses. */
export const TWIRP_HTTP_STATUS = {
  canceled: 408,
  unknown: 500,
  invalid_argument: 400,
  malformed: 400,
  deadline_exceeded: 408,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  dataloss: 500,
} as const;

export type TwirpCode = keyof typeof TWIRP_HTTP_STATUS;

/** The wire form of a Twirp error: `{"code","msg","meta"}`. Only created by toTwirpError or the transport. */
export class TwirpError extends Error {
  readonly code: TwirpCode;
  readonly meta: Record<string, string>;
  /** Extra HTTP headers to send (e.g. Retry-After for resource_exhausted). */
  readonly headers: Record<string, string>;
  /** An HTTP status other than the code's own, for proxies that act on it (413 for an oversized body). */
  readonly #httpStatus: number | undefined;

  constructor(code: TwirpCode, message: string, meta: Record<string, string> = {}, headers: Record<string, string> = {}, httpStatus?: number) {
    super(message);
    this.name = 'TwirpError';
    this.code = code;
    this.meta = meta;
    this.headers = headers;
    this.#httpStatus = httpStatus;
  }

  get httpStatus(): number {
    return this.#httpStatus ?? TWIRP_HTTP_STATUS[this.code];
  }

  toJSON(): { code: TwirpCode; msg: string; meta?: Record<string, string> } {
    return Object.keys(this.meta).length > 0
      ? { code: this.code, msg: this.message, meta: this.meta }
      : { code: this.code, msg: this.message };
  }
}
