import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore } from '../../core/src/cache/index.js';
import { createPluginCache } from '../../core/src/plugin-host/index.js';
import { requireRedisUrl, uniqueName } from '../support/env.js';
import { fixtureConfig, loadFixtureHost } from './plugin-host-support.js';

const prefix = `${uniqueName('plugin_cache')}:`;
let redis: RedisKeyValueStore;

beforeAll(async () => {
  redis = new RedisKeyValueStore({ url: requireRedisUrl(), keyPrefix: prefix });
  if (redis.client.status !== 'ready') await once(redis.client, 'ready');
});

afterAll(async () => {
  const keys = await redis.client.keys(`${prefix}*`);
  if (keys.length > 0) await redis.client.del(...keys.map((key) => key.slice(prefix.length)));
  await redis.close();
});

const memory = new MemoryKeyValueStore();
const stores: Array<[string, () => KeyValueStore]> = [
  ['redis', () => redis],
  ['memory', () => memory],
];

describe.each(stores)('plugin cache on %s', (_kind, store) => {
  it('stores JSON values under plugin:<name>:<key> and reads them back', async () => {
    const kv = store();
    const cache = createPluginCache(kv, 'weather');
    await cache.set('forecast:paris', { temperature: 21, days: [1, 2] }, { ttlSeconds: 60 });
    expect(await cache.get('forecast:paris')).toEqual({ temperature: 21, days: [1, 2] });
    expect(JSON.parse((await kv.get('plugin:weather:forecast:paris')) ?? 'null')).toEqual({ temperature: 21, days: [1, 2] });
    await cache.delete('forecast:paris');
    expect(await cache.get('forecast:paris')).toBeUndefined();
  });

  it('keeps plugins apart', async () => {
    const kv = store();
    await createPluginCache(kv, 'alpha').set('shared', 'a', { ttlSeconds: 60 });
    await createPluginCache(kv, 'beta').set('shared', 'b', { ttlSeconds: 60 });
    expect(await createPluginCache(kv, 'alpha').get('shared')).toBe('a');
    expect(await createPluginCache(kv, 'beta').get('shared')).toBe('b');
  });

  it('sets the TTL on the stored key', async () => {
    const kv = store();
    const cache = createPluginCache(kv, 'ttl');
    await cache.set('k', 1, { ttlSeconds: 30 });
    if (kv === redis) {
      const ttlMs = await redis.client.pttl('plugin:ttl:k');
      expect(ttlMs).toBeGreaterThan(0);
      expect(ttlMs).toBeLessThanOrEqual(30_000);
    }
    expect(await kv.expire('plugin:ttl:k', 1)).toBe(true);
  });

  it('backs the context cache of tools called through the host', async () => {
    const loaded = await loadFixtureHost(fixtureConfig([{ name: 'testbed', path: './testbed', mode: 'inline' }]), { keyValueStore: store() });
    try {
      expect((await loaded.host.callTool('testbed__use_cache', { key: 'k1', value: 'v1' })).data).toEqual({ before: null });
      expect((await loaded.host.callTool('testbed__use_cache', { key: 'k1', value: 'v2' })).data).toEqual({ before: { value: 'v1' } });
      expect(JSON.parse((await store().get('plugin:testbed:k1')) ?? 'null')).toEqual({ value: 'v2' });
    } finally {
      await loaded.close();
      await store().delete('plugin:testbed:k1');
    }
  });
});

describe('plugin cache when the store is down', () => {
  it('reads as a miss and drops writes instead of failing the tool', async () => {
    const broken: KeyValueStore = {
      kind: 'redis',
      get: () => Promise.reject(new Error('connection refused')),
      set: () => Promise.reject(new Error('connection refused')),
      delete: () => Promise.reject(new Error('connection refused')),
      expire: () => Promise.reject(new Error('connection refused')),
      ping: () => Promise.reject(new Error('connection refused')),
      close: () => Promise.resolve(),
    };
    const problems: string[] = [];
    const cache = createPluginCache(broken, 'weather', (_error, operation) => problems.push(operation));
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', 1, { ttlSeconds: 5 });
    await cache.delete('k');
    expect(problems).toEqual(['get', 'set', 'delete']);
  });
});
