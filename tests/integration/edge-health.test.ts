import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { modelConfiguredCheck, pingCheck, redisCheck, healthRoutes } from '../../core/src/health/index.js';
import { SqliteApiKeyStore } from '../../core/src/storage/api-keys/index.js';
import { startPrivateRedis } from '../support/redis-server.js';

describe('/readyz with real dependencies', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('goes ready → degraded when Redis stops → ready when it returns → not_ready when the store fails', async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    const client = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: true });
    client.on('error', () => {});
    cleanups.push(() => client.disconnect());
    await client.connect();
    // The embedded store stands in for the conversation store: it is critical.
    const store = new SqliteApiKeyStore(':memory:');
    const app = Fastify();
    healthRoutes(app, { checks: [pingCheck('store', () => store.ping(), { critical: true }), redisCheck(client), modelConfiguredCheck(true)], timeoutMs: 1000 });
    cleanups.push(() => app.close());
    const probe = async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      return { code: response.statusCode, body: response.json() as { status: string; checks: Array<{ name: string; state: string }> } };
    };

    const healthy = await probe();
    expect(healthy.code).toBe(200);
    expect(healthy.body.status).toBe('ready');

    await redis.kill();
    const degraded = await probe();
    expect(degraded.code).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.checks.find((check) => check.name === 'redis')?.state).toBe('failed');
    expect(degraded.body.checks.find((check) => check.name === 'store')?.state).toBe('ok');

    await redis.restart();
    let recovered = await probe();
    for (let attempt = 0; attempt < 100 && recovered.body.status !== 'ready'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      recovered = await probe();
    }
    expect(recovered.body.status).toBe('ready');

    await store.close();
    const notReady = await probe();
    expect(notReady.code).toBe(503);
    expect(notReady.body.status).toBe('not_ready');
  });
});
