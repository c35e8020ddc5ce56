import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeyValueStore, RedisUnavailableError } from '../../core/src/cache/redis-key-value-store.js';
import { startPrivateRedis, type PrivateRedisServer } from '../support/redis-server.js';

/** A TCP relay to Redis that can stop passing anything on, like a network that drops packets. */
async function startRelay(targetPort: number) {
  const sockets = new Set<Socket>();
  let isFrozen = false;
  let bytesWhileFrozen = 0;
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    for (const socket of [client, upstream]) socket.on('error', () => {});
    client.on('data', (chunk) => {
      if (isFrozen) bytesWhileFrozen += chunk.length;
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!isFrozen) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    freeze: () => {
      isFrozen = true;
    },
    /** The partition ends the way they usually do: the stuck connections are reset. */
    heal: () => {
      isFrozen = false;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    bytesWhileFrozen: () => bytesWhileFrozen,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The store sends nothing before its connection is ready (no offline queue). */
async function untilReady(store: RedisKeyValueStore): Promise<void> {
  if (store.client.status !== 'ready') await once(store.client, 'ready');
}

describe('RedisKeyValueStore when Redis stops answering', () => {
  let redis: PrivateRedisServer;
  let relay: Awaited<ReturnType<typeof startRelay>>;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    relay = await startRelay(redis.port);
  });

  afterAll(async () => {
    await relay.close();
    await redis.stop();
  });

  it('fails every command at once after one timed out, probes with a single command later, and recovers', async () => {
    let clock = 0;
    const store = new RedisKeyValueStore({ url: relay.url, keyPrefix: 'fail-fast:', commandTimeoutMs: 200, failFastMs: 1_000, now: () => clock });
    try {
      await untilReady(store);
      await store.set('k', 'v');
      expect(await store.get('k')).toBe('v');

      relay.freeze();
      await expect(store.get('k')).rejects.toThrow(/timed out/i);
      const sent = relay.bytesWhileFrozen();
      // Within the window nothing is sent: the callers fall back at once instead of waiting out a timeout each.
      await expect(store.get('k')).rejects.toBeInstanceOf(RedisUnavailableError);
      await expect(store.set('k', 'w', 60)).rejects.toBeInstanceOf(RedisUnavailableError);
      expect(relay.bytesWhileFrozen()).toBe(sent);

      relay.heal();
      // Each attempt comes after the window: a probe, until the client has reconnected and one succeeds.
      await expect
        .poll(() => {
          clock += 1_000;
          return store.get('k').catch(() => 'failed');
        }, { timeout: 10_000 })
        .toBe('v');
      expect(await store.get('k')).toBe('v');
    } finally {
      await store.close();
    }
  });

  it('lets readiness pings through during the window, and a successful ping ends it', async () => {
    let clock = 0;
    const store = new RedisKeyValueStore({ url: relay.url, keyPrefix: 'fail-fast-ping:', commandTimeoutMs: 200, failFastMs: 60_000, now: () => clock });
    try {
      await untilReady(store);
      await store.set('k', 'v');
      relay.freeze();
      await expect(store.get('k')).rejects.toThrow(/timed out/i);
      relay.heal();
      await expect.poll(() => store.ping().then(() => 'ok', () => 'failed'), { timeout: 10_000 }).toBe('ok');
      expect(await store.get('k')).toBe('v');
    } finally {
      await store.close();
    }
  });
});
