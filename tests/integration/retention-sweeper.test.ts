// Retention on real services: conversations in MongoDB-wire (FerretDB), the lease, sessions and cached
// titles in Redis, and two sweepers as two replicas sharing both.
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeyValueStore } from '../../core/src/cache/index.js';
import { createConversationRemover, titleCacheKey } from '../../core/src/chat/index.js';
import { createRedisSweepLease, RetentionSweeper, type RetentionPolicy, type SweepLease } from '../../core/src/retention/index.js';
import { SessionResolver, sessionKey } from '../../core/src/sessions/index.js';
import { MongoConversationStore, type ConversationStore } from '../../core/src/storage/index.js';
import { requireMongoUrl, requireRedisUrl, uniqueName } from '../support/env.js';
import { TestClock } from '../support/test-clock.js';

const DAY = 86_400_000;
const silent = pino({ level: 'silent' });

/** A metric's value for the given labels (0 when the series was never set). */
async function exportedMetric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`${name} is not registered`);
  const { values } = await metric.get();
  const series = values.find((value) => Object.entries(labels).every(([label, wanted]) => value.labels[label] === wanted));
  return series?.value ?? 0;
}

describe('the retention sweeper on MongoDB-wire and Redis', () => {
  const clock = new TestClock(Date.UTC(2026, 5, 1));
  const databaseName = uniqueName('retention');
  const keyPrefix = `${uniqueName('retention')}:`;
  let store: MongoConversationStore;
  let keyValues: RedisKeyValueStore;
  let redis: Redis;
  let sessions: SessionResolver;

  beforeAll(async () => {
    store = new MongoConversationStore({ url: requireMongoUrl(), databaseName, now: clock.now });
    await store.init();
    keyValues = new RedisKeyValueStore({ url: requireRedisUrl(), keyPrefix });
    if (keyValues.client.status !== 'ready') await once(keyValues.client, 'ready');
    redis = keyValues.client as Redis;
    sessions = new SessionResolver({ keyValueStore: keyValues, conversationStore: store, logger: silent, now: clock.nowMs });
  });

  afterAll(async () => {
    await store?.close();
    const keys = await redis?.keys(`${keyPrefix}*`);
    if (keys && keys.length > 0) await redis.del(...keys.map((key) => key.slice(keyPrefix.length)));
    await keyValues?.close();
    const client = new MongoClient(requireMongoUrl());
    await client.db(databaseName).dropDatabase();
    await client.close();
  });

  function sweeper(policy: RetentionPolicy, options: { lease?: SweepLease; registry?: Registry; conversations?: ConversationStore; batchSize?: number } = {}) {
    return new RetentionSweeper({
      policy,
      store: options.conversations ?? store,
      remover: createConversationRemover({ store, sessions, titleCache: keyValues }),
      lease: options.lease ?? createRedisSweepLease(redis, () => undefined, `${uniqueName('lease')}`),
      intervalMs: 60_000,
      logger: silent,
      registry: options.registry ?? new Registry(),
      now: clock.now,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    });
  }

  it("deletes each tenant's conversations untouched past its retention, with their session bindings and cached titles", async () => {
    const tenants = { short: uniqueName('short'), keep: uniqueName('keep'), other: uniqueName('other') };
    const session = { platform: 'telegram', userId: 'u1', chatId: 'c1' };
    const opener = `retention opener ${uniqueName('x')}`;
    const oldShort = await store.create({ tenantId: tenants.short, title: 'old', session, messages: [{ role: 'user', content: opener }] });
    await sessions.bind(tenants.short, session, oldShort.id);
    await keyValues.set(titleCacheKey(opener), 'Cached Title');
    const oldKept = await store.create({ tenantId: tenants.keep, title: 'kept forever', messages: [{ role: 'user', content: 'x' }] });
    const oldOther = await store.create({ tenantId: tenants.other, title: 'old other', messages: [{ role: 'user', content: 'x' }] });
    clock.advance(20 * DAY);
    const middleOther = await store.create({ tenantId: tenants.other, title: 'middle other', messages: [{ role: 'user', content: 'x' }] });
    const freshShort = await store.create({ tenantId: tenants.short, title: 'fresh', messages: [{ role: 'user', content: 'x' }] });
    clock.advance(15 * DAY);

    const registry = new Registry();
    // short: 30 days; keep: never; everyone else: 30 days as well here, so "other" shows the default at work.
    const report = await sweeper({ defaultDays: 30, tenantDays: { [tenants.short]: 10, [tenants.keep]: 0 } }, { registry }).sweepOnce();
    expect(report.outcome).toBe('completed');
    expect(await store.get(tenants.short, oldShort.id)).toBeUndefined();
    expect(await store.get(tenants.short, freshShort.id)).toBeUndefined();
    expect(await store.get(tenants.keep, oldKept.id)).toBeDefined();
    expect(await store.get(tenants.other, oldOther.id)).toBeUndefined();
    expect(await store.get(tenants.other, middleOther.id)).toBeDefined();
    expect(report.deleted).toBeGreaterThanOrEqual(3);
    // The session starts afresh (a tombstone, so the store recovery cannot revive anything) and the title is gone.
    expect(JSON.parse((await keyValues.get(sessionKey(tenants.short, session)))!)).toEqual({ conversation_id: null });
    expect(await keyValues.get(titleCacheKey(opener))).toBeUndefined();
    expect(await exportedMetric(registry, 'acai_retention_deleted_conversations_total')).toBe(report.deleted);
    expect(await exportedMetric(registry, 'acai_retention_sweeps_total', { outcome: 'completed' })).toBe(1);
    expect(await exportedMetric(registry, 'acai_retention_last_sweep_timestamp_seconds')).toBeGreaterThan(0);
  });

  it('lets one of two replicas sweep per interval; the other skips', async () => {
    const tenantId = uniqueName('replicas');
    for (let index = 0; index < 3; index += 1) await store.create({ tenantId, title: `old ${index}`, messages: [{ role: 'user', content: 'x' }] });
    clock.advance(40 * DAY);
    const leaseKey = uniqueName('shared-lease');
    const registry = new Registry();
    const policy = { defaultDays: 0, tenantDays: { [tenantId]: 30 } };
    const [first, second] = [sweeper(policy, { registry, lease: createRedisSweepLease(redis, () => undefined, leaseKey) }), sweeper(policy, { registry, lease: createRedisSweepLease(redis, () => undefined, leaseKey) })];
    const reports = await Promise.all([first.sweepOnce(), second.sweepOnce()]);
    expect(reports.map((report) => report.outcome).sort()).toEqual(['completed', 'skipped']);
    expect(reports.reduce((sum, report) => sum + report.deleted, 0)).toBe(3);
    expect((await store.list(tenantId, { pageSize: 10 })).conversations).toEqual([]);
    expect(await exportedMetric(registry, 'acai_retention_sweeps_total', { outcome: 'skipped' })).toBe(1);
  });

  it('sweeps anyway when the lease cannot be read (concurrent sweeps are safe), in batches', async () => {
    const tenantId = uniqueName('no-redis');
    for (let index = 0; index < 5; index += 1) await store.create({ tenantId, title: `old ${index}`, messages: [{ role: 'user', content: 'x' }] });
    clock.advance(40 * DAY);
    const errors: unknown[] = [];
    const broken = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    broken.on('error', () => undefined);
    const policy = { defaultDays: 0, tenantDays: { [tenantId]: 30 } };
    const [first, second] = [
      sweeper(policy, { lease: createRedisSweepLease(broken, (error) => errors.push(error)), batchSize: 2 }),
      sweeper(policy, { lease: createRedisSweepLease(broken, (error) => errors.push(error)), batchSize: 2 }),
    ];
    const reports = await Promise.all([first.sweepOnce(), second.sweepOnce()]);
    broken.disconnect();
    expect(errors).toHaveLength(2);
    expect(reports.map((report) => report.outcome)).toEqual(['completed', 'completed']);
    // Both worked; each conversation was deleted exactly once between them.
    expect(reports[0]!.deleted + reports[1]!.deleted).toBe(5);
    expect((await store.list(tenantId, { pageSize: 10 })).conversations).toEqual([]);
  });

  it('spares a conversation that gets a turn between being listed and being deleted', async () => {
    const tenantId = uniqueName('race');
    const revived = await store.create({ tenantId, title: 'revived', messages: [{ role: 'user', content: 'x' }] });
    const expired = await store.create({ tenantId, title: 'expired', messages: [{ role: 'user', content: 'x' }] });
    clock.advance(40 * DAY);
    // The sweeper's listing, then a user's turn in the first conversation before the deletes run.
    const racing: Pick<ConversationStore, 'listUntouched'> = {
      async listUntouched(scope, before, limit) {
        const listed = await store.listUntouched(scope, before, limit);
        if (listed.some((header) => header.id === revived.id)) await store.append(tenantId, revived.id, [{ role: 'user', content: 'I am back' }]);
        return listed;
      },
    };
    const report = await sweeper({ defaultDays: 0, tenantDays: { [tenantId]: 30 } }, { conversations: racing as ConversationStore }).sweepOnce();
    expect(report).toEqual({ outcome: 'completed', deleted: 1 });
    expect((await store.get(tenantId, revived.id))?.messages.map((message) => message.content)).toEqual(['x', 'I am back']);
    expect(await store.get(tenantId, expired.id)).toBeUndefined();
  });

  it('reports a failing store as a failed sweep instead of throwing, and is idle with nothing to delete', async () => {
    const failing: Pick<ConversationStore, 'listUntouched'> = { listUntouched: () => Promise.reject(new Error('store down')) };
    const registry = new Registry();
    expect(await sweeper({ defaultDays: 1, tenantDays: {} }, { conversations: failing as ConversationStore, registry }).sweepOnce()).toEqual({ outcome: 'failed', deleted: 0 });
    expect(await exportedMetric(registry, 'acai_retention_sweeps_total', { outcome: 'failed' })).toBe(1);
    expect(sweeper({ defaultDays: 0, tenantDays: { someone: 0 } }).isActive).toBe(false);
  });
});
