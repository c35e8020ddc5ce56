import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { mongoUrlWithDatabase, requireRedisUrl, uniqueName } from '../support/env.js';
import { startPrivateRedis, type PrivateRedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/timing.js';
import { hostAndPort, startTcpHop, type TcpHop } from './edge-support.js';
import { bearer, fakeModelEnv, scriptedAssistant, startTestHost, twirpJson, type RunningTestHost } from './host-support.js';

// Request rate limits and readiness on the real host (MongoDB-wire store, Redis, shipped plugins).
const KEY = 'acai_edge_limits_tenant_0123456789abcdef';
const OPS_KEY = 'acai_edge_limits_operator_0123456789abc';

let fake: FakeOpenAIServer;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
});
afterAll(() => fake?.close());

describe('request rate limits', () => {
  const prefix = `${uniqueName('edge_limits')}:`;
  const hosts: RunningTestHost[] = [];
  const database = uniqueName('edge_limits');
  const environment = () => ({
    ...fakeModelEnv(fake),
    MONGODB_URL: mongoUrlWithDatabase(database),
    MONGODB_DATABASE: database,
    REDIS_URL: requireRedisUrl(),
    REDIS_KEY_PREFIX: prefix,
    ACAI_API_KEYS: `${KEY}:tenant-a:chat,${OPS_KEY}:ops:metrics`,
    // One request a minute after a burst of 3: the fourth in a row is refused.
    RATE_LIMIT_PER_MINUTE: '1',
    RATE_LIMIT_BURST: '3',
  });

  afterAll(async () => {
    for (const host of hosts) await host.close();
    const cleaner = new Redis(requireRedisUrl());
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    await cleaner.quit();
  });

  it('refuses the request over the limit with resource_exhausted, Retry-After and RateLimit-* headers, and never limits probes', async () => {
    const host = await startTestHost(environment());
    hosts.push(host);
    const answers = [];
    for (let index = 0; index < 4; index += 1) answers.push(await twirpJson(host.url, 'ListConversations', {}, bearer(KEY)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((answer) => answer.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(answers[0]?.headers.get('ratelimit-limit')).toBe('3');
    const refused = answers[3]!;
    expect(refused.body.code).toBe('resource_exhausted');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.meta?.retry_after_seconds).toBe(refused.headers.get('retry-after'));

    // Probes and scrapes are exempt even for a caller that is over its limit.
    for (let index = 0; index < 10; index += 1) {
      for (const probe of ['/healthz', '/readyz', '/health', '/ready']) expect((await fetch(`${host.url}${probe}`)).status, probe).toBe(200);
    }
    const scrape = await fetch(`${host.url}/metrics`, { headers: bearer(OPS_KEY) });
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toMatch(/acai_rate_limit_rejections_total\{limit="request"\} 1/);
  });

  it('enforces one limit across two replicas sharing Redis', async () => {
    const second = await startTestHost(environment());
    hosts.push(second);
    const first = hosts[0]!;
    // The key spent its burst on the first replica above; a loaded machine may have taken the minute a token
    // needs to come back while the second replica started, so spend anything left there first.
    for (let request = 0; request < 4; request += 1) if ((await twirpJson(first.url, 'ListConversations', {}, bearer(KEY))).status === 429) break;
    const onSecond = await twirpJson(second.url, 'ListConversations', {}, bearer(KEY));
    expect([onSecond.status, onSecond.body.code]).toEqual([429, 'resource_exhausted']);
    const onFirst = await twirpJson(first.url, 'ListConversations', {}, bearer(KEY));
    expect(onFirst.status).toBe(429);
  });

  it('limits callers without a key by client address, before authentication refuses them', async () => {
    const host = hosts[0]!;
    const statuses = [];
    for (let index = 0; index < 5; index += 1) statuses.push((await twirpJson(host.url, 'ListConversations', {})).status);
    // 401s count against the address too, so a key-guessing client is slowed down as well.
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});

describe('readiness with a dependency stopped', () => {
  let redis: PrivateRedisServer;
  let storeHop: TcpHop;
  let host: RunningTestHost;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const mongo = hostAndPort(mongoUrlWithDatabase('x'));
    storeHop = await startTcpHop(mongo.host, mongo.port);
    const database = uniqueName('edge_ready');
    host = await startTestHost({
      ...fakeModelEnv(fake),
      MONGODB_URL: `mongodb://127.0.0.1:${storeHop.port}/${database}?serverSelectionTimeoutMS=800&connectTimeoutMS=800`,
      MONGODB_DATABASE: database,
      REDIS_URL: redis.url,
      AUTH_DISABLED: 'true',
    });
  });

  afterAll(async () => {
    await host?.close();
    await storeHop?.close();
    await redis?.stop();
  });

  async function readiness() {
    const response = await fetch(`${host.url}/readyz`);
    const body = (await response.json()) as { status: string; checks: Array<{ name: string; state: string; message?: string }> };
    return { status: response.status, body, state: (name: string) => body.checks.find((check) => check.name === name)?.state };
  }

  async function eventually(predicate: (report: Awaited<ReturnType<typeof readiness>>) => boolean) {
    return waitUntil(async () => {
      const report = await readiness();
      return predicate(report) && report;
    }, 'the readiness report');
  }

  it('is ready, then degraded (200) with Redis down while chat keeps working, then not ready (503) with the store down, and recovers', async () => {
    const ready = await readiness();
    expect([ready.status, ready.body.status]).toEqual([200, 'ready']);
    expect(ready.body.checks.map((check) => check.name).sort()).toEqual(['model', 'mongodb', 'plugins', 'redis']);

    await redis.kill();
    const degraded = await readiness();
    expect([degraded.status, degraded.body.status, degraded.state('redis'), degraded.state('mongodb')]).toEqual([200, 'degraded', 'failed', 'ok']);
    // Sessions fall back to the store: a session-based turn still succeeds.
    const turn = await twirpJson(host.url, 'ContinueConversation', { message: 'hello while Redis is down', session_metadata: { platform: 'web', user_id: 'u', chat_id: 'c' } });
    expect(turn.status).toBe(200);

    await storeHop.cut();
    const notReady = await eventually((report) => report.status === 503);
    expect([notReady.status, notReady.body.status, notReady.state('mongodb')]).toEqual([503, 'not_ready', 'failed']);
    // The old service's probe path and the root document say the same.
    expect((await fetch(`${host.url}/ready`)).status).toBe(503);
    const root = await fetch(`${host.url}/`);
    expect([root.status, ((await root.json()) as { status: string }).status]).toEqual([503, 'not_ready']);
    expect(JSON.stringify(notReady.body)).not.toMatch(/mongodb:\/\/[^"]*@/);
    // The liveness probe does not depend on anything.
    expect((await fetch(`${host.url}/healthz`)).status).toBe(200);

    await storeHop.restore();
    await redis.restart();
    const recovered = await eventually((report) => report.body.status === 'ready');
    expect([recovered.status, recovered.body.status]).toEqual([200, 'ready']);
  });
});
