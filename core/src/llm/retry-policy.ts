/** Backoff settings for model calls. */
export interface RetryPolicy {
  /** Total attempts including the first (≥ 1). */
  readonly maxAttempts: number;
  /** Base of the exponential backoff. */
  readonly baseDelayMs: number;
  /** Cap of one computed backoff delay. */
  readonly maxDelayMs: number;
  /** Cap on a server-requested delay (retry-after); longer requests are treated as "not now". */
  readonly maxRetryAfterMs: number;
  /** Do not start an attempt with less time than this left before the deadline. */
  readonly minAttemptMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 20_000,
  minAttemptMs: 250,
};

/** The parts of an HTTP failure the policy looks at. */
export interface FailureFacts {
  /** HTTP status; undefined for connection failures and timeouts. */
  readonly status: number | undefined;
  readonly headers?: { get(name: string): string | null } | undefined;
  /** Provider error code, e.g. `context_length_exceeded`, `insufficient_quota`. */
  readonly code?: string | null | undefined;
}

/** Transient failures worth another attempt: timeouts, connection resets, 408, 409, 429 and 5xx. */
export function isRetryableFailure(facts: FailureFacts): boolean {
  const override = facts.headers?.get('x-should-retry');
  if (override === 'true') return true;
  if (override === 'false') return false;
  // A spent quota is a 429 that waiting will not fix.
  if (facts.code === 'insufficient_quota') return false;
  if (facts.status === undefined) return true;
  return facts.status === 408 || facts.status === 409 || facts.status === 429 || facts.status >= 500;
}

/** The delay the server asked for (`retry-after-ms`, then `retry-after` seconds or HTTP date), if any. */
export function serverRequestedDelayMs(
  headers: FailureFacts['headers'],
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && milliseconds.trim() !== '') {
    const value = Number.parseFloat(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number.parseFloat(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  return undefined;
}

/**
 * Delay before retry number `retryIndex` (0 = first retry): the server's request when it made one,
 * otherwise exponential backoff with full jitter (uniform in [0, min(cap, base·2^n)]).
 */
export function backoffDelayMs(
  retryIndex: number,
  policy: RetryPolicy,
  random: () => number,
  requestedMs?: number,
): number {
  if (requestedMs !== undefined) return requestedMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * ceiling);
}
