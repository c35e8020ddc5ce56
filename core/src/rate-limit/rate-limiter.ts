/** Token bucket: up to `capacity` at once, refilled continuously at `refillPerSecond`. For request limits. */
export interface TokenBucketPolicy {
  readonly kind: 'token_bucket';
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/**
 * Sliding window (weighted two-window counter): at most `limit` units in any `windowSeconds`, with the
 * previous window's count weighted by how much of it still overlaps. For quotas (tokens, tool calls).
 */
export interface SlidingWindowPolicy {
  readonly kind: 'sliding_window';
  readonly limit: number;
  readonly windowSeconds: number;
}

export type RateLimitPolicy = TokenBucketPolicy | SlidingWindowPolicy;

/**
 * `consume`: take `cost` if it fits (default). `record`: take it even if it does not (usage already spent,
 * e.g. model tokens reported after the call). `peek`: would `cost` fit? Changes nothing.
 */
export type ConsumeMode = 'consume' | 'record' | 'peek';

export interface ConsumeOptions {
  /** Units to take (whole numbers); default 1. */
  readonly cost?: number;
  readonly mode?: ConsumeMode;
}

/** The answer for one request, in the units of the `RateLimit-*` headers. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** RateLimit-Limit: the bucket capacity or window limit. */
  readonly limit: number;
  /** RateLimit-Remaining: whole units left after this request. */
  readonly remaining: number;
  /** RateLimit-Reset: seconds until the full limit is available again. */
  readonly resetSeconds: number;
  /** Retry-After when refused (≥ 1); 0 when allowed. */
  readonly retryAfterSeconds: number;
  /** True when the backend failed and the limiter let the request through (fail open). */
  readonly isDegraded?: boolean;
}

/** A limiter keyed by caller (API key id, client IP, tenant × tool). */
export interface RateLimiter {
  readonly policy: RateLimitPolicy;
  /** `memory` or `redis`: memory limits are per process, Redis limits are shared by every replica. */
  readonly backend: 'memory' | 'redis';
  consume(key: string, options?: ConsumeOptions): Promise<RateLimitDecision>;
}

/**
 * Wraps a shared limiter so a backend failure (Redis down) lets requests through instead of failing
 * them: availability over strictness. `onError` logs and counts; it is called on every failure.
 */
export function failOpen(limiter: RateLimiter, onError: (error: unknown) => void): RateLimiter {
  const limit = limiter.policy.kind === 'token_bucket' ? limiter.policy.capacity : limiter.policy.limit;
  return {
    policy: limiter.policy,
    backend: limiter.backend,
    async consume(key, options) {
      try {
        return await limiter.consume(key, options);
      } catch (error) {
        onError(error);
        return { allowed: true, limit, remaining: limit, resetSeconds: 0, retryAfterSeconds: 0, isDegraded: true };
      }
    },
  };
}
