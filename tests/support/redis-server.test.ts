import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedisServer } from './redis-server.js';

describe('startPrivateRedis', () => {
  let server: PrivateRedisServer | undefined;
  afterAll(async () => server?.stop());

  it('starts a reachable redis-server that can be killed and restarted', async () => {
    server = await startPrivateRedis();
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => {});
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();

    await server.kill();
    const dead = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => {});
    await expect(dead.connect()).rejects.toThrow();
    dead.disconnect();

    await server.restart();
    const again = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    again.on('error', () => {});
    await again.connect();
    expect(await again.ping()).toBe('PONG');
    again.disconnect();
  });
});
