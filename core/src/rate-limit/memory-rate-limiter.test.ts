import { describe, expect, it } from 'vitest';
import { cacheStatistics } from '../cache/index.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';

describe('MemoryRateLimiter (token bucket)', () => {
  it('allows a burst, refuses the next request and refills over time', async () => {
    let now = 1_000_000;
    const limiter = new MemoryRateLimiter({ kind: 'token_bucket', capacity: 3, refillPerSecond: 1 }, { now: () => now });
    const first = await limiter.consume('a');
    expect(first).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 1, retryAfterSeconds: 0 });
    await limiter.consume('a');
    expect((await limiter.consume('a')).remaining).toBe(0);
    const refused = await limiter.consume('a');
    expect(refused).toEqual({ allowed: false, limit: 3, remaining: 0, resetSeconds: 3, retryAfterSeconds: 1 });
    expect((await limiter.consume('b')).allowed).toBe(true);
    now += 1000;
    expect((await limiter.consume('a')).allowed).toBe(true);
    expect((await limiter.consume('a')).allowed).toBe(false);
  });

  it('peeks without taking and records past the limit', async () => {
    const now = 5_000;
    const limiter = new MemoryRateLimiter({ kind: 'token_bucket', capacity: 2, refillPerSecond: 0.5 }, { now: () => now });
    expect((await limiter.consume('a', { mode: 'peek', cost: 2 })).allowed).toBe(true);
    expect((await limiter.consume('a', { mode: 'record', cost: 3 })).allowed).toBe(false);
    const after = await limiter.consume('a', { mode: 'peek' });
    expect(after).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 4 });
  });
});

describe('MemoryRateLimiter (sliding window)', () => {
  it('counts the previous window by its remaining overlap', async () => {
    let now = 60_000 * 100;
    const limiter = new MemoryRateLimiter({ kind: 'sliding_window', limit: 10, windowSeconds: 60 }, { now: () => now });
    for (let call = 0; call < 10; call += 1) expect((await limiter.consume('t')).allowed).toBe(true);
    const refused = await limiter.consume('t');
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterSeconds).toBe(66); // 60 s left in this window, then 10 % of the next must pass
    now += 60_000 + 30_000; // halfway into the next window: 10 × 0.5 = 5 still count
    const halfway = await limiter.consume('t', { cost: 5 });
    expect(halfway).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.consume('t')).allowed).toBe(false);
    now += 60_000 * 3;
    expect(await limiter.consume('t', { mode: 'peek', cost: 10 })).toMatchObject({ allowed: true, remaining: 10 });
  });

  it('records spent units even over the limit and reports the tenant as over budget', async () => {
    const now = 0;
    const limiter = new MemoryRateLimiter({ kind: 'sliding_window', limit: 100, windowSeconds: 60 }, { now: () => now });
    expect((await limiter.consume('t', { mode: 'record', cost: 80 })).allowed).toBe(true);
    expect((await limiter.consume('t', { mode: 'record', cost: 80 })).allowed).toBe(false);
    expect(await limiter.consume('t', { mode: 'peek' })).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('forgets stale keys beyond its bound', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter({ kind: 'token_bucket', capacity: 1, refillPerSecond: 1 }, { now: () => now, maxKeys: 2 });
    await limiter.consume('a');
    await limiter.consume('b');
    now += 10_000;
    await limiter.consume('c');
    expect(limiter.size).toBeLessThanOrEqual(2);
  });

  it('bounds the estimated bytes of its keys, counts what it dropped early, and reports itself as a cache', async () => {
    const now = 0;
    const name = `rate_limit_test_${Math.random().toString(36).slice(2)}`;
    const limiter = new MemoryRateLimiter({ kind: 'token_bucket', capacity: 5, refillPerSecond: 1 }, { now: () => now, maxBytes: 4096, name });
    // Long client-chosen keys (a forwarded address chain, say): the count bound alone would keep 100 000 of them.
    for (let index = 0; index < 200; index += 1) await limiter.consume(`${'x'.repeat(200)}-${index}`);
    expect(limiter.bytes).toBeLessThanOrEqual(4096);
    expect(limiter.size).toBeGreaterThan(0);
    expect(limiter.size).toBeLessThan(200);
    expect(limiter.evictions).toBe(200 - limiter.size);
    // The newest key survived; the oldest was dropped and starts from a full bucket again.
    expect((await limiter.consume(`${'x'.repeat(200)}-199`, { mode: 'peek' })).remaining).toBe(4);
    expect((await limiter.consume(`${'x'.repeat(200)}-0`, { mode: 'peek' })).remaining).toBe(5);
    const reported = cacheStatistics().find((statistics) => statistics.name === name);
    expect(reported).toEqual({ name, bytes: limiter.bytes, maxBytes: 4096, entries: limiter.size, evictions: limiter.evictions });
  });

  it('keeps its byte count exact when keys are written again and expire', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter({ kind: 'token_bucket', capacity: 1, refillPerSecond: 1 }, { now: () => now, maxKeys: 2 });
    await limiter.consume('a');
    const oneKey = limiter.bytes;
    await limiter.consume('a');
    expect(limiter.bytes).toBe(oneKey);
    await limiter.consume('b');
    now += 10_000;
    await limiter.consume('c');
    // 'a' and 'b' were idle: dropped without counting as evictions.
    expect(limiter.size).toBe(1);
    expect(limiter.bytes).toBe(oneKey);
    expect(limiter.evictions).toBe(0);
  });
});
