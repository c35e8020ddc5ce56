import { describe, expect, it } from 'vitest';
import { failOpen, MemoryRateLimiter, type RateLimiter } from '../rate-limit/index.js';
import { chargeMcpBatch } from './charge-mcp-batch.js';

const MESSAGE = { jsonrpc: '2.0', id: 1, method: 'tools/list' };

function bucket(capacity: number): MemoryRateLimiter {
  const now = Date.parse('2026-03-01T10:00:00Z');
  return new MemoryRateLimiter({ kind: 'token_bucket', capacity, refillPerSecond: 0.1 }, { now: () => now });
}

describe('chargeMcpBatch', () => {
  it('charges nothing for a single message (the rate-limit plugin took its token) or without a limiter', async () => {
    const limiter = bucket(1);
    expect(await chargeMcpBatch(limiter, 'key:k1', MESSAGE)).toBeUndefined();
    expect(await chargeMcpBatch(limiter, 'key:k1', [MESSAGE])).toBeUndefined();
    expect(await chargeMcpBatch(undefined, 'key:k1', [MESSAGE, MESSAGE, MESSAGE])).toBeUndefined();
    expect((await limiter.consume('key:k1', { mode: 'peek' })).allowed).toBe(true);
  });

  it('charges every message past the first to the caller', async () => {
    const limiter = bucket(5);
    expect(await chargeMcpBatch(limiter, 'key:k1', [MESSAGE, MESSAGE, MESSAGE])).toBeUndefined();
    expect((await limiter.consume('key:k1', { mode: 'peek', cost: 3 })).allowed).toBe(true);
    expect((await limiter.consume('key:k1', { mode: 'peek', cost: 4 })).allowed).toBe(false);
  });

  it('refuses a batch over the budget with 429 and Retry-After', async () => {
    const refusal = await chargeMcpBatch(bucket(3), 'key:k1', Array.from({ length: 6 }, () => MESSAGE));
    expect(refusal).toMatchObject({ status: 429, code: -32000, reason: 'rate_limited', headers: { 'retry-after': expect.stringMatching(/^[1-9]\d*$/) } });
    expect(refusal?.message).toContain('a batch of 6 messages costs 6 requests');
  });

  it('lets the batch through when the limiter backend is down, like the rate-limit plugin', async () => {
    const broken: RateLimiter = {
      policy: { kind: 'token_bucket', capacity: 1, refillPerSecond: 1 },
      backend: 'redis',
      consume: async () => {
        throw new Error('ECONNREFUSED');
      },
    };
    expect(await chargeMcpBatch(failOpen(broken, () => {}), 'key:k1', [MESSAGE, MESSAGE])).toBeUndefined();
  });
});
