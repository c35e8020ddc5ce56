import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, ObjectId } from 'mongodb';
import pino from 'pino';
import { HostError } from '../../core/src/errors/index.js';
import { MongoConversationStore, createConversationStore } from '../../core/src/storage/index.js';
import { requireMongoUrl, uniqueName } from '../support/env.js';
import { freePort } from '../support/redis-server.js';

describe('MongoConversationStore specifics', () => {
  const url = requireMongoUrl();
  const databaseName = uniqueName('storage_mongo');
  let client: MongoClient;
  let store: MongoConversationStore;

  beforeAll(async () => {
    client = new MongoClient(url);
    store = new MongoConversationStore({ client, databaseName });
    await store.init();
  });

  afterAll(async () => {
    await store.close();
    await client.db(databaseName).dropDatabase();
    await client.close();
  });

  it('creates the paging, session and provenance indexes at init', async () => {
    const conversationIndexes = await client.db(databaseName).collection('conversations').indexes();
    expect(conversationIndexes.map((index) => [index.name, index.key])).toEqual(
      expect.arrayContaining([
        ['tenant_updated', { tenant_id: 1, updated_at: -1, _id: -1 }],
        ['tenant_user_updated', { tenant_id: 1, user_id: 1, updated_at: -1, _id: -1 }],
        ['tenant_session_updated', { tenant_id: 1, platform: 1, chat_id: 1, user_id: 1, updated_at: -1 }],
      ]),
    );
    const turnIndexes = await client.db(databaseName).collection('conversation_turns').indexes();
    expect(turnIndexes.map((index) => index.name)).toContain('tenant_tool_plugins_created');
  });

  it('keeps the old document shape for headers and one document per append in conversation_turns', async () => {
    const created = await store.create({
      tenantId: 'acme',
      title: 'Weather',
      session: { platform: 'telegram', userId: '7', chatId: '9' },
      messages: [{ role: 'user', content: 'hi' }],
    });
    await store.append('acme', created.id, [{ role: 'assistant', content: 'hello' }]);
    const header = await client.db(databaseName).collection('conversations').findOne({ _id: new ObjectId(created.id) });
    expect(header).toMatchObject({
      _id: new ObjectId(created.id),
      tenant_id: 'acme',
      title: 'Weather',
      platform: 'telegram',
      user_id: '7',
      chat_id: '9',
      version: 2,
      message_count: 2,
    });
    expect(header?.created_at).toBeInstanceOf(Date);
    expect(header?.updated_at).toBeInstanceOf(Date);
    expect(header).not.toHaveProperty('messages');
    const turns = await client
      .db(databaseName)
      .collection<{ _id: string }>('conversation_turns')
      .find({ conversation_id: new ObjectId(created.id) })
      .sort({ _id: 1 })
      .toArray();
    expect(turns.map((turn) => turn._id)).toEqual([`${created.id}:0000000001`, `${created.id}:0000000002`]);
    expect(turns[1]).toMatchObject({ tenant_id: 'acme', version: 2, first_index: 1, end_index: 2, messages: [{ role: 'assistant', content: 'hello' }] });
  });

  it('stays correct when the header lags behind the turn log (a lost header update)', async () => {
    const created = await store.create({ tenantId: 'acme', title: 't', messages: [{ role: 'user', content: 'm0' }] });
    for (let turn = 1; turn <= 4; turn += 1) await store.append('acme', created.id, [{ role: 'assistant', content: `m${turn}` }]);
    // What FerretDB's read-modify-write updates can do under concurrency: an older (version, count) pair wins.
    await client.db(databaseName).collection('conversations').updateOne({ _id: new ObjectId(created.id) }, { $set: { version: 2, message_count: 2 } });

    const loaded = await store.get('acme', created.id, { recentMessages: 2 });
    expect(loaded).toMatchObject({ version: 5, messageCount: 5, firstMessageIndex: 3 });
    expect(loaded?.messages.map((message) => message.content)).toEqual(['m3', 'm4']);
    expect(await store.append('acme', created.id, [], {})).toEqual({ version: 5 });
    await expect(store.append('acme', created.id, [{ role: 'user', content: 'stale' }], { expectedVersion: 2 })).rejects.toMatchObject({
      code: 'HOST_CONVERSATION_CONFLICT',
    });
    expect(await store.append('acme', created.id, [{ role: 'user', content: 'm5' }], { expectedVersion: 5 })).toEqual({ version: 6 });
    expect(await store.append('acme', created.id, [{ role: 'user', content: 'm6' }])).toEqual({ version: 7 });
    const all = await store.get('acme', created.id);
    expect(all?.messages.map((message) => message.content)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    const header = await client.db(databaseName).collection('conversations').findOne({ _id: new ObjectId(created.id) });
    expect(header).toMatchObject({ version: 7, message_count: 7 });
  });

  it('reads long histories completely and tails them cheaply', async () => {
    const created = await store.create({ tenantId: 'acme', title: 'long', messages: [] });
    for (let turn = 0; turn < 80; turn += 1) {
      await store.append('acme', created.id, [
        { role: 'user', content: `u${turn}` },
        { role: 'assistant', content: `a${turn}` },
      ]);
    }
    const all = await store.get('acme', created.id);
    expect(all?.messages).toHaveLength(160);
    expect(all?.messages.map((message) => message.content).slice(0, 3)).toEqual(['u0', 'a0', 'u1']);
    const tail = await store.get('acme', created.id, { recentMessages: 75 });
    expect(tail?.messages).toHaveLength(75);
    expect(tail?.firstMessageIndex).toBe(85);
    expect(tail?.messages[0]?.content).toBe('a42');
  });

  it('accepts upper-case hex ids like the old service did', async () => {
    const created = await store.create({ tenantId: 'acme', title: 't', messages: [{ role: 'user', content: 'x' }] });
    expect((await store.get('acme', created.id.toUpperCase()))?.id).toBe(created.id);
  });

  it('takes the database name from the URL path when none is given', async () => {
    const base = url.replace(/\/[^/?]*(\?.*)?$/, '');
    const named = new MongoConversationStore({ url: `${base}/${databaseName}` });
    expect(named.databaseName).toBe(databaseName);
    await named.close();
    const unnamed = new MongoConversationStore({ url: base });
    expect(unnamed.databaseName).toBe('acai');
    await unnamed.close();
  });

  it('reports an unreachable server as HOST_STORE_UNAVAILABLE without driver text', async () => {
    const port = await freePort();
    const down = new MongoConversationStore({ url: `mongodb://127.0.0.1:${port}/`, serverSelectionTimeoutMs: 200 });
    const attempts: Array<Promise<unknown>> = [
      down.ping(),
      down.get('t', 'ffffffffffffffffffffffff'),
      down.append('t', 'ffffffffffffffffffffffff', [{ role: 'user', content: 'x' }]),
      down.list('t', { pageSize: 5 }),
      down.create({ tenantId: 't', title: 'x', messages: [] }),
      down.findLatestForSession('t', { platform: 'p', userId: 'u', chatId: 'c' }, new Date(0)),
    ];
    for (const attempt of attempts) {
      const error = await attempt.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(HostError.isInstance(error)).toBe(true);
      expect((error as HostError).code).toBe('HOST_STORE_UNAVAILABLE');
      expect((error as HostError).message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|Server selection/i);
      expect((error as HostError).cause).toBeDefined();
    }
    await down.close();
  });

  it('builds the MongoDB store when a URL is configured', async () => {
    const logger = pino({ level: 'silent' });
    const configured = await createConversationStore({ mongodbUrl: url, mongoDatabase: databaseName, dataDir: '/nonexistent', logger });
    expect(configured.kind).toBe('mongodb');
    await configured.ping();
    await configured.close();
  });
});
