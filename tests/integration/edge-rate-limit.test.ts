import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { authPlugin, createAuthenticator, parseBootstrapKeys } from '../../core/src/auth/index.js';
import { createClientIpResolver } from '../../core/src/client-address/index.js';
import { createLogger, createMetrics } from '../../core/src/observability/index.js';
import {
  createRequestLimiter,
  createTenantQuotas,
  MemoryRateLimiter,
  rateLimitPlugin,
  RedisRateLimiter,
  type ConsumeOptions,
  type RateLimitPolicy,
} from '../../core/src/rate-limit/index.js';
import { requireRedisUrl, uniqueName } from '../support/env.js';
import { startPrivateRedis } from '../support/redis-server.js';

const redisUrl = requireRedisUrl();
const prefix = `${uniqueName('edge_rl')}:`;
const clients: Redis[] = [];

function newClient(url = redisUrl): Redis {
  const client = new Redis(url, { keyPrefix: prefix, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000, lazyConnect: true });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

async function connected(client: Redis): Promise<Redis> {
  await client.connect();
  return client;
}

afterAll(async () => {
  const cleaner = new Redis(redisUrl);
  const keys = await cleaner.keys(`${prefix}*`);
  if (keys.length > 0) await cleaner.del(...keys);
  await cleaner.quit();
  for (const client of clients) client.disconnect();
});

describe('Redis and memory limiters', () => {
  const steps: Array<[advanceMs: number, options: ConsumeOptions]> = [
    [0, {}],
    [0, {}],
    [0, { cost: 2 }],
    [0, {}],
    [400, {}],
    [1_700, { mode: 'peek', cost: 3 }],
    [0, { mode: 'record', cost: 4 }],
    [59_000, {}],
    [1_500, { cost: 3 }],
    [30_250, {}],
    [0, { mode: 'peek' }],
    [120_000, { cost: 2 }],
  ];
  const policies: RateLimitPolicy[] = [
    { kind: 'token_bucket', capacity: 4, refillPerSecond: 0.5 },
    { kind: 'sliding_window', limit: 5, windowSeconds: 60 },
  ];

  it.each(policies.map((policy) => [policy.kind, policy] as const))('make identical %s decisions for the same sequence', async (_kind, policy) => {
    let now = 1_700_000_000_000;
    const memory = new MemoryRateLimiter(policy, { now: () => now });
    const redis = new RedisRateLimiter(policy, { client: await connected(newClient()), keyPrefix: `parity:${policy.kind}:`, now: () => now });
    for (const [advanceMs, options] of steps) {
      now += advanceMs;
      const [fromMemory, fromRedis] = await Promise.all([memory.consume('caller', options), redis.consume('caller', options)]);
      expect(fromRedis, `after +${advanceMs} ms ${JSON.stringify(options)}`).toEqual(fromMemory);
    }
  });
});

describe('two host replicas sharing one Redis', () => {
  const key = 'acai_twoReplicaKey00000000000000000';
  const apps: FastifyInstance[] = [];

  async function replica(): Promise<FastifyInstance> {
    const clientIp = createClientIpResolver([]);
    const app = Fastify();
    await app.register(authPlugin, {
      authenticator: createAuthenticator({ sources: [parseBootstrapKeys(`${key}:acme:chat`)] }),
      clientIp,
      protect: [{ prefix: '/twirp/', scope: 'chat' }],
    });
    // Redis TIME is the clock here, as in production.
    const limiter = createRequestLimiter({ requestsPerMinute: 1, burst: 5, redis: await connected(newClient()), keyPrefix: 'replicas:' });
    await app.register(rateLimitPlugin, { limiter: limiter!, clientIp });
    app.post('/twirp/acai.chat.v1.ChatService/SendMessage', async () => ({ reply: 'ok' }));
    apps.push(app);
    return app;
  }

  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('enforces one limit for a key no matter which replica serves it', async () => {
    const [first, second] = [await replica(), await replica()];
    const statuses: number[] = [];
    for (let request = 0; request < 8; request += 1) {
      const app = request % 2 === 0 ? first : second;
      const response = await app.inject({ method: 'POST', url: '/twirp/acai.chat.v1.ChatService/SendMessage', headers: { 'x-api-key': key }, payload: {} });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });

  it('shares tenant quotas for tool calls and model tokens', async () => {
    const now = () => 1_700_000_000_000;
    const quotasOn = async () => createTenantQuotas({ modelTokensPerMinute: 1000, toolCallsPerMinute: 3, redis: await connected(newClient()), keyPrefix: 'quotas:', now });
    const [one, two] = [await quotasOn(), await quotasOn()];
    const outcomes = [
      await one.checkToolQuota('acme', 'weather__get_current_weather'),
      await two.checkToolQuota('acme', 'weather__get_current_weather'),
      await one.checkToolQuota('acme', 'weather__get_current_weather'),
      await two.checkToolQuota('acme', 'weather__get_current_weather'),
    ];
    expect(outcomes.map((outcome) => outcome.allowed)).toEqual([true, true, true, false]);
    expect(outcomes[3]?.retryAfterSeconds).toBeGreaterThan(0);
    expect((await one.checkToolQuota('other-tenant', 'weather__get_current_weather')).allowed).toBe(true);

    expect((await one.checkModelTokens('acme')).allowed).toBe(true);
    expect((await one.consumeModelTokens('acme', 700)).allowed).toBe(true);
    expect((await two.consumeModelTokens('acme', 400)).allowed).toBe(false);
    expect(await two.checkModelTokens('acme')).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
  });
});

describe('when Redis is down', () => {
  it('fails open, counts the failures and warns once', async () => {
    const redis = await startPrivateRedis();
    try {
      const lines: string[] = [];
      const logger = createLogger({ level: 'warn', logContent: false, destination: { write: (line: string) => void lines.push(line) } });
      const metrics = createMetrics({ defaultMetrics: false });
      // One token a minute: the second request is refused however slowly the machine runs.
      const limiter = createRequestLimiter({ requestsPerMinute: 1, burst: 1, redis: await connected(newClient(redis.url)), metrics, logger })!;
      expect((await limiter.consume('key:k1')).allowed).toBe(true);
      expect((await limiter.consume('key:k1')).allowed).toBe(false);
      await redis.kill();
      for (let request = 0; request < 3; request += 1) {
        const decision = await limiter.consume('key:k1');
        expect(decision).toMatchObject({ allowed: true, isDegraded: true });
      }
      expect(await metrics.registry.getSingleMetricAsString('acai_rate_limit_backend_errors_total')).toContain('acai_rate_limit_backend_errors_total 3');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('requests are not rate limited');
    } finally {
      await redis.stop();
    }
  });
});
