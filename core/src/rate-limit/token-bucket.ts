import type { ConsumeMode, RateLimitDecision, TokenBucketPolicy } from './rate-limiter.js';

/** Bucket state: tokens (may be fractional, negative after `record`) at time `updatedAt` (ms). */
export interface TokenBucketState {
  readonly tokens: number;
  readonly updatedAt: number;
}

/**
 * One step of the token bucket, shared by the in-memory limiter; TOKEN_BUCKET_LUA is the same
 * arithmetic inside Redis. Time never runs backwards: a replica with a slower clock doesn't refill.
 */
export function stepTokenBucket(
  state: TokenBucketState | undefined,
  policy: TokenBucketPolicy,
  cost: number,
  mode: ConsumeMode,
  now: number,
): { state: TokenBucketState; allowed: boolean } {
  const ratePerMs = policy.refillPerSecond / 1000;
  let tokens = state?.tokens ?? policy.capacity;
  let updatedAt = state?.updatedAt ?? now;
  if (now > updatedAt) {
    tokens = Math.min(policy.capacity, tokens + (now - updatedAt) * ratePerMs);
    updatedAt = now;
  }
  const allowed = tokens >= cost;
  if (mode === 'record' || (mode === 'consume' && allowed)) tokens -= cost;
  return { state: { tokens, updatedAt }, allowed };
}

/** The decision (headers) for a bucket after a step. */
export function tokenBucketDecision(policy: TokenBucketPolicy, tokens: number, cost: number, allowed: boolean): RateLimitDecision {
  const ratePerMs = policy.refillPerSecond / 1000;
  const untilFullMs = ratePerMs > 0 ? (policy.capacity - tokens) / ratePerMs : 0;
  const retryMs = ratePerMs > 0 && cost <= policy.capacity ? (cost - tokens) / ratePerMs : untilFullMs;
  return {
    allowed,
    limit: policy.capacity,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: Math.max(0, Math.ceil(untilFullMs / 1000)),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
  };
}

/**
 * KEYS[1] bucket hash; ARGV: capacity, refill per second, cost, mode, now in ms (negative: use Redis TIME,
 * one clock for every replica). Returns { allowed (0/1), tokens (string, fractional) }.
 */
export const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2]) / 1000
local cost = tonumber(ARGV[3])
local mode = ARGV[4]
local now = tonumber(ARGV[5])
if now < 0 then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated_at')
local tokens = tonumber(state[1])
local updated_at = tonumber(state[2])
if tokens == nil or updated_at == nil then
  tokens = capacity
  updated_at = now
end
if now > updated_at then
  tokens = math.min(capacity, tokens + (now - updated_at) * rate)
  updated_at = now
end
local allowed = 0
if tokens >= cost then allowed = 1 end
if mode == 'record' or (mode == 'consume' and allowed == 1) then tokens = tokens - cost end
if mode ~= 'peek' then
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'updated_at', string.format('%.17g', updated_at))
  local ttl = 1000
  if rate > 0 then ttl = math.ceil((capacity - tokens) / rate) + 1000 end
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return { allowed, string.format('%.17g', tokens) }
`;
