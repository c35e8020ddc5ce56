import type { RedisClient } from '../cache/index.js';
import type { Logger } from 'pino';
import type { HostMetrics } from '../observability/index.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { failOpen, type RateLimiter } from './rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

/** Options for {@link createRequestLimiter} (RATE_LIMIT_PER_MINUTE, RATE_LIMIT_BURST). */
export interface RequestLimiterOptions {
  /** Sustained rate; 0 disables request limiting. */
  requestsPerMinute: number;
  /** Bucket size (requests allowed at once); 0 means one minute's worth. */
  burst: number;
  redis?: RedisClient;
  /** Default `rl:requests:` (under the client's own prefix). */
  keyPrefix?: string;
  metrics?: HostMetrics;
  logger?: Logger;
  /** Minimum gap between "failing open" warnings. Default 30 s. */
  warnEveryMs?: number;
  now?: () => number;
}

/**
 * The per-key request limiter from config: a token bucket in Redis (shared by replicas) or in memory.
 * When Redis fails, requests are let through (fail open), each failure is counted in
 * acai_rate_limit_backend_errors_total and a warning is logged at most every 30 s.
 * Returns undefined when request limiting is disabled.
 */
export function createRequestLimiter(options: RequestLimiterOptions): RateLimiter | undefined {
  if (options.requestsPerMinute <= 0) return undefined;
  const policy = {
    kind: 'token_bucket',
    capacity: options.burst > 0 ? options.burst : options.requestsPerMinute,
    refillPerSecond: options.requestsPerMinute / 60,
  } as const;
  const clock = options.now ?? Date.now;
  if (options.redis === undefined) return new MemoryRateLimiter(policy, { now: clock });
  const warnEveryMs = options.warnEveryMs ?? 30_000;
  let lastWarningAt = Number.NEGATIVE_INFINITY;
  return failOpen(
    new RedisRateLimiter(policy, { client: options.redis, keyPrefix: options.keyPrefix ?? 'rl:requests:', ...(options.now ? { now: options.now } : {}) }),
    (error) => {
      options.metrics?.rateLimitBackendErrors.inc();
      if (clock() - lastWarningAt >= warnEveryMs) {
        lastWarningAt = clock();
        options.logger?.warn({ err: error }, 'rate limiter backend (Redis) unavailable: requests are not rate limited until it recovers');
      }
    },
  );
}
