import { describe, expect, it } from 'vitest';
import { ByteBoundedLru, ENTRY_OVERHEAD_BYTES, stringBytes } from './byte-bounded-lru.js';
import { cacheStatistics } from './cache-directory.js';
import { MemoryKeyValueStore } from './memory-key-value-store.js';

const entryBytes = (key: string, value: string): number => stringBytes(key) + stringBytes(value) + ENTRY_OVERHEAD_BYTES;

describe('ByteBoundedLru', () => {
  it('evicts the least recently used entries until a new one fits in the byte bound', () => {
    const cache = new ByteBoundedLru<string>({ name: 'test_lru', maxBytes: 3 * entryBytes('k1', 'aaaa'), valueBytes: stringBytes });
    cache.set('k1', 'aaaa');
    cache.set('k2', 'bbbb');
    cache.set('k3', 'cccc');
    expect(cache.get('k1')).toBe('aaaa'); // k1 is now the most recent
    cache.set('k4', 'dddd');
    expect(cache.peek('k2')).toBeUndefined();
    expect([cache.peek('k1'), cache.peek('k3'), cache.peek('k4')]).toEqual(['aaaa', 'cccc', 'dddd']);
    expect(cache.evictions).toBe(1);
    expect(cache.bytes).toBe(3 * entryBytes('k1', 'aaaa'));
  });

  it('evicts several small entries for one large one, and never keeps a value larger than the whole cache', () => {
    const cache = new ByteBoundedLru<string>({ name: 'test_lru', maxBytes: 1000, valueBytes: stringBytes });
    for (let index = 0; index < 5; index += 1) cache.set(`k${index}`, 'x'.repeat(10));
    cache.set('big', 'y'.repeat(300));
    expect(cache.bytes).toBeLessThanOrEqual(1000);
    expect(cache.peek('big')).toBe('y'.repeat(300));
    cache.set('huge', 'z'.repeat(1000));
    expect(cache.peek('huge')).toBeUndefined();
    expect(cache.bytes).toBeLessThanOrEqual(1000);
  });

  it('honours an entry bound as well, and keeps the byte count exact through overwrites and deletes', () => {
    const cache = new ByteBoundedLru<string>({ name: 'test_lru', maxBytes: 1_000_000, maxEntries: 2, valueBytes: stringBytes });
    cache.set('a', '1');
    cache.set('b', '22');
    cache.set('b', '333');
    cache.set('c', '4');
    expect(cache.entries).toBe(2);
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.bytes).toBe(entryBytes('b', '333') + entryBytes('c', '4'));
    expect(cache.delete('b')).toBe(true);
    expect(cache.delete('b')).toBe(false);
    cache.clear();
    expect([cache.entries, cache.bytes]).toEqual([0, 0]);
  });

  it('evicts in exact least-recently-used order through many bumps, deletes, clears and evictions', () => {
    const cache = new ByteBoundedLru<number>({ name: 'test_lru_order', maxBytes: 1_000_000, maxEntries: 50, valueBytes: () => 8 });
    // The reference: an array of keys, least recently used first.
    let order: string[] = [];
    let seed = 7;
    const random = (below: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % below;
    };
    for (let step = 0; step < 20_000; step += 1) {
      const key = `k${random(120)}`;
      const action = random(20);
      if (action < 9) {
        cache.set(key, step);
        order = order.filter((known) => known !== key);
        if (order.length >= 50) order.shift();
        order.push(key);
      } else if (action < 18) {
        const hit = cache.get(key) !== undefined;
        expect(hit).toBe(order.includes(key));
        if (hit) order = [...order.filter((known) => known !== key), key];
      } else if (action < 19) {
        expect(cache.delete(key)).toBe(order.includes(key));
        order = order.filter((known) => known !== key);
      } else if (step % 50 === 0) {
        cache.clear();
        order = [];
      }
      expect(cache.entries).toBe(order.length);
    }
    for (const key of order) expect(cache.peek(key)).toBeDefined();
  });

  it('is reported by the cache directory, summed per name', () => {
    const first = new ByteBoundedLru<string>({ name: 'test_directory', maxBytes: 10_000, valueBytes: stringBytes });
    const second = new ByteBoundedLru<string>({ name: 'test_directory', maxBytes: 10_000, valueBytes: stringBytes });
    first.set('a', 'x');
    second.set('b', 'y');
    second.set('c', 'z');
    const reported = cacheStatistics().find((statistics) => statistics.name === 'test_directory');
    expect(reported).toEqual({ name: 'test_directory', bytes: first.bytes + second.bytes, maxBytes: 20_000, entries: 3, evictions: 0 });
  });
});

describe('MemoryKeyValueStore bounds', () => {
  it('drops the least recently used keys once the values outgrow the byte bound', async () => {
    const store = new MemoryKeyValueStore({ maxBytes: 10_000 });
    await store.set('old', 'a'.repeat(2_000));
    await store.set('kept', 'b'.repeat(2_000));
    expect(await store.get('old')).toBe('a'.repeat(2_000)); // read: now recent
    await store.set('new', 'c'.repeat(2_000));
    expect(await store.get('kept')).toBeUndefined();
    expect(await store.get('old')).toBe('a'.repeat(2_000));
    expect(await store.get('new')).toBe('c'.repeat(2_000));
  });

  it('refuses to keep one value larger than the whole store instead of emptying it', async () => {
    const store = new MemoryKeyValueStore({ maxBytes: 1_000 });
    await store.set('small', 'x');
    await store.set('oversized', 'y'.repeat(10_000));
    expect(await store.get('oversized')).toBeUndefined();
    expect(await store.get('small')).toBe('x');
  });
});
