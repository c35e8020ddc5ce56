import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore, type KeyValueStore } from '../cache/index.js';
import { EmbeddedConversationStore, type SessionIdentity } from '../storage/index.js';
import { sessionKey } from './session-key.js';
import { SessionResolver } from './session-resolver.js';

const MINUTE = 60_000;

/** A KeyValueStore whose backend can be switched off, like a Redis that went away. */
class SwitchableKeyValueStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  isDown = false;
  constructor(private readonly inner: KeyValueStore) {}
  private check(): void {
    if (this.isDown) throw new Error('Connection is closed.');
  }
  async get(key: string) {
    this.check();
    return this.inner.get(key);
  }
  async set(key: string, value: string, ttlSeconds?: number) {
    this.check();
    return this.inner.set(key, value, ttlSeconds);
  }
  async delete(key: string) {
    this.check();
    return this.inner.delete(key);
  }
  async expire(key: string, ttlSeconds: number) {
    this.check();
    return this.inner.expire(key, ttlSeconds);
  }
  async ping() {
    this.check();
  }
  async close() {}
}

function captureLogger() {
  const lines: Array<{ level: number; msg: string; suppressed?: number }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function counterValues(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  const values: Record<string, number> = {};
  for (const sample of (await metric!.get()).values) values[String(Object.values(sample.labels)[0])] = sample.value;
  return values;
}

describe('SessionResolver', () => {
  let dataDir: string;
  let store: EmbeddedConversationStore;
  let clockMs = Date.UTC(2026, 0, 1);
  const now = () => clockMs;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'acai-sessions-'));
    store = new EmbeddedConversationStore({ dataDir, now: () => new Date(clockMs) });
    await store.init();
  });

  afterAll(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function setup(ttlSeconds = 1800) {
    const memory = new MemoryKeyValueStore({ now });
    const keyValueStore = new SwitchableKeyValueStore(memory);
    const registry = new Registry();
    const { logger, lines } = captureLogger();
    const resolver = new SessionResolver({ keyValueStore, conversationStore: store, logger, registry, now, ttlSeconds });
    return { resolver, keyValueStore, memory, registry, lines };
  }

  let sessionCounter = 0;
  const newSession = (): SessionIdentity => ({ platform: 'telegram', chatId: `chat-${++sessionCounter}`, userId: 'u1' });

  it('resolves a bound session from the key-value store and slides its TTL', async () => {
    const { resolver, memory, registry } = setup(600);
    const session = newSession();
    // Created without session fields, so only the binding can find it.
    const conversation = await store.create({ tenantId: 't', title: 'x', messages: [] });
    expect(await resolver.resolve('t', session)).toEqual({ source: 'none' });
    await resolver.bind('t', session, conversation.id);
    clockMs += 9 * MINUTE;
    expect(await resolver.resolve('t', session)).toEqual({ conversationId: conversation.id, source: 'redis' });
    clockMs += 9 * MINUTE; // 18 min after bind, 9 after the last use: still alive because the TTL slides
    expect(await memory.get(sessionKey('t', session))).toBeDefined();
    expect((await resolver.resolve('t', session)).source).toBe('redis');
    expect(await counterValues(registry, 'acai_session_resolutions_total')).toMatchObject({ redis: 2, new: 1 });
  });

  it('recovers a session from the store on a miss, within the TTL only, and re-binds it', async () => {
    const { resolver, memory, registry } = setup(1800);
    const session = newSession();
    const conversation = await store.create({ tenantId: 't', title: 'x', session, messages: [{ role: 'user', content: 'hi' }] });
    expect(await resolver.resolve('t', session)).toEqual({ conversationId: conversation.id, source: 'store' });
    expect(JSON.parse((await memory.get(sessionKey('t', session)))!)).toEqual({ conversation_id: conversation.id });
    expect((await resolver.resolve('t', session)).source).toBe('redis');

    await memory.delete(sessionKey('t', session));
    clockMs += 31 * MINUTE;
    expect(await resolver.resolve('t', session)).toEqual({ source: 'none' });
    expect(await counterValues(registry, 'acai_session_store_fallbacks_total')).toEqual({ miss: 2 });
  });

  it('expires a session after the TTL without activity', async () => {
    const { resolver } = setup(1800);
    const session = newSession();
    const conversation = await store.create({ tenantId: 't', title: 'x', session, messages: [] });
    await resolver.bind('t', session, conversation.id);
    clockMs += 30 * MINUTE + 1;
    expect(await resolver.resolve('t', session)).toEqual({ source: 'none' });
  });

  it('keeps resolving from the store while the key-value store is down, logging once per interval', async () => {
    const { resolver, keyValueStore, registry, lines } = setup(1800);
    const session = newSession();
    const conversation = await store.create({ tenantId: 't', title: 'x', session, messages: [] });
    await resolver.bind('t', session, conversation.id);
    keyValueStore.isDown = true;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect(await resolver.resolve('t', session)).toEqual({ conversationId: conversation.id, source: 'store' });
    }
    await resolver.bind('t', session, conversation.id); // must not throw
    expect(await resolver.touch('t', session)).toBe(false);
    expect(lines.filter((line) => line.level === 40)).toHaveLength(1);

    clockMs += 61_000;
    await resolver.resolve('t', session);
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]?.suppressed).toBe(6); // 4 resolves + bind + touch

    keyValueStore.isDown = false;
    expect((await resolver.resolve('t', session)).source).toBe('redis');
    expect(lines.filter((line) => line.msg === 'session key-value store available again')).toHaveLength(1);
    expect(await counterValues(registry, 'acai_session_store_fallbacks_total')).toEqual({ unavailable: 6 });
  });

  it('starts fresh after forget, even though the old conversation is still in the store', async () => {
    const { resolver } = setup();
    const session = newSession();
    const old = await store.create({ tenantId: 't', title: 'old', session, messages: [] });
    await resolver.bind('t', session, old.id);
    await resolver.forget('t', session);
    expect(await resolver.resolve('t', session)).toEqual({ source: 'none' });
    const fresh = await store.create({ tenantId: 't', title: 'fresh', session, messages: [] });
    await resolver.bind('t', session, fresh.id);
    expect(await resolver.resolve('t', session)).toEqual({ conversationId: fresh.id, source: 'redis' });
  });

  it('treats a corrupt binding as a miss and repairs it from the store', async () => {
    const { resolver, memory, registry } = setup();
    const session = newSession();
    const conversation = await store.create({ tenantId: 't', title: 'x', session, messages: [] });
    await memory.set(sessionKey('t', session), '{not json', 60);
    expect(await resolver.resolve('t', session)).toEqual({ conversationId: conversation.id, source: 'store' });
    expect((await resolver.resolve('t', session)).source).toBe('redis');
    expect(await counterValues(registry, 'acai_session_store_fallbacks_total')).toEqual({ corrupt: 1 });
  });

  it('creates one conversation for concurrent first messages of a session', async () => {
    const { resolver } = setup();
    const session = newSession();
    let created = 0;
    const create = async () => {
      created += 1;
      return (await store.create({ tenantId: 't', title: 'x', session, messages: [] })).id;
    };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => resolver.resolveOrCreate('t', session, create)));
    expect(created).toBe(1);
    expect(new Set(outcomes.map((outcome) => outcome.conversationId)).size).toBe(1);
    expect(outcomes.filter((outcome) => outcome.isNew)).toHaveLength(1);
  });

  it('keeps tenants apart', async () => {
    const { resolver } = setup();
    const session = newSession();
    const conversation = await store.create({ tenantId: 'a', title: 'x', session, messages: [] });
    await resolver.bind('a', session, conversation.id);
    expect(await resolver.resolve('b', session)).toEqual({ source: 'none' });
  });

  it('shares counters between resolvers on one registry', () => {
    const registry = new Registry();
    const options = { keyValueStore: new MemoryKeyValueStore(), conversationStore: store, logger: pino({ level: 'silent' }), registry };
    new SessionResolver(options);
    expect(() => new SessionResolver(options)).not.toThrow();
  });
});
