import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeyValueStore } from '../../core/src/cache/index.js';
import { SessionResolver, sessionKey } from '../../core/src/sessions/index.js';
import {
  EmbeddedConversationStore,
  MongoConversationStore,
  type ConversationStore,
  type SessionIdentity,
} from '../../core/src/storage/index.js';
import { requireMongoUrl, requireRedisUrl, uniqueName } from '../support/env.js';
import { startPrivateRedis, type PrivateRedisServer } from '../support/redis-server.js';
import { TestClock } from '../support/test-clock.js';
import { waitUntil } from '../support/timing.js';

const MINUTE = 60_000;

/** The store fails fast (no offline queue) until connected, so wait for readiness before using it. */
async function connected(store: RedisKeyValueStore): Promise<RedisKeyValueStore> {
  if (store.client.status !== 'ready') await once(store.client, 'ready');
  return store;
}

interface StoreUnderTest {
  store: ConversationStore;
  destroy(): Promise<void>;
}

const stores: Array<[string, (clock: TestClock) => Promise<StoreUnderTest>]> = [
  [
    'MongoDB wire',
    async (clock) => {
      const url = requireMongoUrl();
      const databaseName = uniqueName('sessions');
      const store = new MongoConversationStore({ url, databaseName, now: clock.now });
      await store.init();
      return {
        store,
        async destroy() {
          await store.close();
          const client = new MongoClient(url);
          await client.db(databaseName).dropDatabase();
          await client.close();
        },
      };
    },
  ],
  [
    'embedded',
    async (clock) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'acai-sessions-it-'));
      const store = new EmbeddedConversationStore({ dataDir, now: clock.now });
      await store.init();
      return {
        store,
        async destroy() {
          await store.close();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  ],
];

async function counterValues(registry: Registry, name: string): Promise<Record<string, number>> {
  const values: Record<string, number> = {};
  for (const sample of (await registry.getSingleMetric(name)!.get()).values) {
    values[String(Object.values(sample.labels)[0])] = sample.value;
  }
  return values;
}

describe.each(stores)('sessions on real Redis with the %s conversation store', (_name, openStore) => {
  const clock = new TestClock(Date.now());
  const keyPrefix = `${uniqueName('sessions')}:`;
  let underTest: StoreUnderTest;
  let store: ConversationStore;
  let redis: Redis;
  let keyValueStore: RedisKeyValueStore;
  let counter = 0;
  const newSession = (): SessionIdentity => ({ platform: 'telegram', chatId: `-100${++counter}`, userId: '42' });
  const silent = pino({ level: 'silent' });

  beforeAll(async () => {
    underTest = await openStore(clock);
    store = underTest.store;
    redis = new Redis(requireRedisUrl(), { keyPrefix });
    keyValueStore = await connected(new RedisKeyValueStore({ url: requireRedisUrl(), keyPrefix }));
  });

  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(keyPrefix.length)));
    redis.disconnect();
    await keyValueStore.close();
    await underTest.destroy();
  });

  function resolver(registry = new Registry(), ttlSeconds = 1800) {
    return new SessionResolver({ keyValueStore, conversationStore: store, logger: silent, registry, now: clock.nowMs, ttlSeconds });
  }

  it('binds a session in Redis under a tenant-scoped key with the TTL, and slides it on use', async () => {
    const sessions = resolver(new Registry(), 600);
    const session = newSession();
    const conversation = await store.create({ tenantId: 'acme', title: 't', session, messages: [] });
    await sessions.bind('acme', session, conversation.id);
    const key = sessionKey('acme', session);
    expect(key).toBe(`session:acme:telegram:${encodeURIComponent(session.chatId)}:42`);
    expect(JSON.parse((await redis.get(key))!)).toEqual({ conversation_id: conversation.id });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600_000);

    await redis.pexpire(key, 5_000);
    expect(await sessions.resolve('acme', session)).toEqual({ conversationId: conversation.id, source: 'redis' });
    expect(await redis.pttl(key)).toBeGreaterThan(5_000);
  });

  it('recovers from the store when the Redis key is gone, and writes it back', async () => {
    const registry = new Registry();
    const sessions = resolver(registry);
    const session = newSession();
    const conversation = await store.create({ tenantId: 'acme', title: 't', session, messages: [{ role: 'user', content: 'hi' }] });
    expect(await sessions.resolve('acme', session)).toEqual({ conversationId: conversation.id, source: 'store' });
    expect(await redis.exists(sessionKey('acme', session))).toBe(1);
    expect(await sessions.resolve('acme', session)).toEqual({ conversationId: conversation.id, source: 'redis' });
    expect(await counterValues(registry, 'acai_session_resolutions_total')).toEqual({ store: 1, redis: 1 });
    expect(await counterValues(registry, 'acai_session_store_fallbacks_total')).toEqual({ miss: 1 });
  });

  it('starts a new conversation once the session has been idle longer than the TTL', async () => {
    const sessions = resolver();
    const session = newSession();
    const created = await sessions.resolveOrCreate('acme', session, async () => (await store.create({ tenantId: 'acme', title: 't', session, messages: [] })).id);
    expect(created.isNew).toBe(true);
    await store.append('acme', created.conversationId, [{ role: 'user', content: 'hello' }]);
    // Redis expired the key on its own clock; ours moves past the TTL too.
    await redis.del(sessionKey('acme', session));
    clock.advance(31 * MINUTE);
    const next = await sessions.resolveOrCreate('acme', session, async () => (await store.create({ tenantId: 'acme', title: 't2', session, messages: [] })).id);
    expect(next.isNew).toBe(true);
    expect(next.conversationId).not.toBe(created.conversationId);
    expect((await sessions.resolve('acme', session)).conversationId).toBe(next.conversationId);
  });

  describe('when Redis is killed mid-test', () => {
    let privateRedis: PrivateRedisServer;
    let privateStore: RedisKeyValueStore;

    beforeAll(async () => {
      privateRedis = await startPrivateRedis();
      privateStore = await connected(new RedisKeyValueStore({ url: privateRedis.url, commandTimeoutMs: 500 }));
    });

    afterAll(async () => {
      await privateStore.close();
      await privateRedis.stop();
    });

    it('keeps resolving every session from the store, then returns to Redis after it comes back', async () => {
      const registry = new Registry();
      const warnings: string[] = [];
      const logger = pino({ level: 'warn', hooks: { logMethod: (args, _method, level) => void (level >= 40 && warnings.push(String(args.at(-1)))) } });
      const sessions = new SessionResolver({ keyValueStore: privateStore, conversationStore: store, logger, registry, now: clock.nowMs });
      const bound = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const session = newSession();
          const conversation = await store.create({ tenantId: 'acme', title: 't', session, messages: [{ role: 'user', content: 'x' }] });
          await sessions.bind('acme', session, conversation.id);
          return { session, id: conversation.id };
        }),
      );
      for (const { session, id } of bound) expect(await sessions.resolve('acme', session)).toEqual({ conversationId: id, source: 'redis' });

      await privateRedis.kill();

      const during = await Promise.all(bound.map(({ session }) => sessions.resolve('acme', session)));
      expect(during).toEqual(bound.map(({ id }) => ({ conversationId: id, source: 'store' })));
      // A new conversation created while Redis is down is found through the store as well.
      const fresh = newSession();
      const created = await sessions.resolveOrCreate('acme', fresh, async () => (await store.create({ tenantId: 'acme', title: 'new', session: fresh, messages: [] })).id);
      expect(created.isNew).toBe(true);
      expect(await sessions.resolve('acme', fresh)).toEqual({ conversationId: created.conversationId, source: 'store' });
      expect(warnings).toHaveLength(1);
      expect((await counterValues(registry, 'acai_session_store_fallbacks_total')).unavailable).toBeGreaterThanOrEqual(12);

      await privateRedis.restart();
      // ioredis reconnects in the background; wait for it (a condition, not a timed assertion).
      await waitUntil(() => privateStore.ping().then(() => true, () => false), 'the store to reach the restarted Redis');
      const first = bound[0]!;
      // The restarted Redis is empty: one store recovery re-binds, then Redis answers again.
      expect(await sessions.resolve('acme', first.session)).toEqual({ conversationId: first.id, source: 'store' });
      expect(await sessions.resolve('acme', first.session)).toEqual({ conversationId: first.id, source: 'redis' });
    });
  });
});
