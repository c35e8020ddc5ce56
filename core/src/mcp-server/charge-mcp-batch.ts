import type { RateLimiter } from '../rate-limit/index.js';
import type { McpRefusal } from './mcp-refusal.js';

/**
 * Every message of a batch past the first costs one more request of the caller's rate limit (the rate-limit
 * plugin already charged the first). A degraded limiter (Redis down) lets the batch through, like the plugin.
 */
export async function chargeMcpBatch(limiter: RateLimiter | undefined, limiterKey: string, body: unknown): Promise<McpRefusal | undefined> {
  if (!Array.isArray(body) || body.length < 2 || limiter === undefined) return undefined;
  const budget = await limiter.consume(limiterKey, { cost: body.length - 1 });
  if (budget.allowed || budget.isDegraded === true) return undefined;
  return {
    status: 429,
    code: -32000,
    message: `Too Many Requests: a batch of ${body.length} messages costs ${body.length} requests of the rate limit; retry in ${budget.retryAfterSeconds} s`,
    reason: 'rate_limited',
    headers: { 'retry-after': String(budget.retryAfterSeconds) },
  };
}
