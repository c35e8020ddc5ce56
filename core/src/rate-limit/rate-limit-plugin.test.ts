import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { authPlugin, createAuthenticator, parseBootstrapKeys } from '../auth/index.js';
import { createClientIpResolver } from '../client-address/index.js';
import { createMetrics } from '../observability/index.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { rateLimitPlugin } from './rate-limit-plugin.js';
import { failOpen, type RateLimiter } from './rate-limiter.js';

const KEY_A = 'acai_rateLimitKeyA000000000000000000';
const KEY_B = 'acai_rateLimitKeyB000000000000000000';
const CHAT_URL = '/twirp/acai.chat.v1.ChatService/SendMessage';

describe('rateLimitPlugin', () => {
  let app: FastifyInstance;
  afterEach(() => app.close());

  async function buildApp(limiter: RateLimiter) {
    const metrics = createMetrics({ defaultMetrics: false });
    const clientIp = createClientIpResolver([]);
    app = Fastify();
    await app.register(authPlugin, {
      authenticator: createAuthenticator({ sources: [parseBootstrapKeys(`${KEY_A}:acme:chat,${KEY_B}:acme:chat`)] }),
      clientIp,
      protect: [{ prefix: '/twirp/', scope: 'chat' }],
    });
    await app.register(rateLimitPlugin, { limiter, clientIp, metrics });
    app.post(CHAT_URL, async () => ({ reply: 'ok' }));
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/public', async () => 'ok');
    return metrics;
  }

  const send = (key: string) => app.inject({ method: 'POST', url: CHAT_URL, headers: { 'x-api-key': key }, payload: {} });

  it('limits each API key separately and answers resource_exhausted with Retry-After and RateLimit headers', async () => {
    const now = 0;
    const metrics = await buildApp(new MemoryRateLimiter({ kind: 'token_bucket', capacity: 2, refillPerSecond: 1 / 30 }, { now: () => now }));
    const first = await send(KEY_A);
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '1', 'ratelimit-reset': '30' });
    expect((await send(KEY_A)).statusCode).toBe(200);
    const refused = await send(KEY_A);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '30', 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '60' });
    expect(refused.json()).toEqual({ code: 'resource_exhausted', msg: 'rate limit exceeded, retry in 30 s', meta: { retry_after_seconds: '30' } });
    expect((await send(KEY_B)).statusCode).toBe(200);
    expect(await metrics.registry.getSingleMetricAsString('acai_rate_limit_rejections_total')).toContain('acai_rate_limit_rejections_total{limit="request"} 1');
  });

  it('limits unauthenticated routes per client IP and never limits probes', async () => {
    await buildApp(new MemoryRateLimiter({ kind: 'token_bucket', capacity: 1, refillPerSecond: 0.001 }, { now: () => 0 }));
    expect((await app.inject({ method: 'GET', url: '/public', remoteAddress: '198.51.100.1' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/public', remoteAddress: '198.51.100.1' })).statusCode).toBe(429);
    expect((await app.inject({ method: 'GET', url: '/public', remoteAddress: '198.51.100.2' })).statusCode).toBe(200);
    for (let probe = 0; probe < 5; probe += 1) {
      const response = await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '198.51.100.1' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('lets requests through when the backend fails (fail open) and reports the failure', async () => {
    const failures: unknown[] = [];
    const broken: RateLimiter = {
      policy: { kind: 'token_bucket', capacity: 1, refillPerSecond: 1 },
      backend: 'redis',
      consume: async () => Promise.reject(new Error('Connection is closed.')),
    };
    await buildApp(failOpen(broken, (error) => failures.push(error)));
    for (let request = 0; request < 3; request += 1) expect((await send(KEY_A)).statusCode).toBe(200);
    expect(failures).toHaveLength(3);
  });
});
