export { failOpen } from './rate-limiter.js';
export type {
  RateLimiter,
  RateLimitDecision,
  RateLimitPolicy,
  TokenBucketPolicy,
  SlidingWindowPolicy,
  ConsumeMode,
  ConsumeOptions,
} from './rate-limiter.js';
export { MemoryRateLimiter } from './memory-rate-limiter.js';
export type { MemoryRateLimiterOptions } from './memory-rate-limiter.js';
export { RedisRateLimiter } from './redis-rate-limiter.js';
export type { RedisRateLimiterOptions } from './redis-rate-limiter.js';
export { rateLimitPlugin, rateLimitKey, DEFAULT_EXEMPT_PATHS } from './rate-limit-plugin.js';
export type { RateLimitPluginOptions } from './rate-limit-plugin.js';
export { createTenantQuotas } from './create-tenant-quotas.js';
export type { TenantQuotas, TenantQuotasOptions, QuotaDecision } from './create-tenant-quotas.js';
export { createRequestLimiter } from './create-request-limiter.js';
export type { RequestLimiterOptions } from './create-request-limiter.js';
