import { describe, expect, it } from 'vitest';
import { createFakeClock } from './clocks.js';
import { MemoryToolCache } from './memory-tool-cache.js';

describe('fake clock and memory cache', () => {
  it('expires cache entries when the fake clock passes their TTL', async () => {
    const clock = createFakeClock({ now: '2026-03-01T00:00:00Z', timeZone: 'Europe/Madrid' });
    const cache = new MemoryToolCache({ nowMs: clock.nowMs });
    await cache.set('k', { a: 1 }, { ttlSeconds: 60 });
    clock.advance(59_000);
    expect(await cache.get('k')).toEqual({ a: 1 });
    clock.advance(1_000);
    expect(await cache.get('k')).toBeUndefined();
    expect(clock.now().toISOString()).toBe('2026-03-01T00:01:00.000Z');
    expect(clock.timeZone).toBe('Europe/Madrid');
  });

  it('returns copies, like a serialising store', async () => {
    const cache = new MemoryToolCache();
    const value = { list: [1] };
    await cache.set('k', value, { ttlSeconds: 10 });
    value.list.push(2);
    expect(await cache.get('k')).toEqual({ list: [1] });
    expect(cache.keys()).toEqual(['k']);
  });
});
