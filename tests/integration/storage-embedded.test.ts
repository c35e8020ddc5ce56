import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HostError } from '../../core/src/errors/index.js';
import { EmbeddedConversationStore, createConversationStore } from '../../core/src/storage/index.js';

const run = promisify(execFile);
const writerScript = fileURLToPath(new URL('../support/embedded-store-writer.ts', import.meta.url));

describe('EmbeddedConversationStore specifics', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'acai-embedded-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the data folder and opens the file in WAL mode with synchronous=NORMAL', async () => {
    const dataDir = join(root, 'nested', 'data');
    const store = new EmbeddedConversationStore({ dataDir });
    await store.init();
    expect((await stat(join(dataDir, 'acai.db'))).isFile()).toBe(true);
    await store.close();
    const raw = new Database(join(dataDir, 'acai.db'));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    raw.close();
  });

  it('upgrades a version-1 file in place: messages gain the usage column, old rows read as before', async () => {
    const dataDir = join(root, 'version-1');
    const store = new EmbeddedConversationStore({ dataDir });
    await store.init();
    const created = await store.create({ tenantId: 't', title: 'old', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] });
    await store.close();
    // Make it the file a version-1 host wrote: no usage column, no created-order index, user_version 1.
    const raw = new Database(join(dataDir, 'acai.db'));
    raw.exec('DROP INDEX conversations_tenant_created; ALTER TABLE messages DROP COLUMN usage');
    raw.pragma('user_version = 1');
    raw.close();

    const upgraded = new EmbeddedConversationStore({ dataDir });
    await upgraded.init();
    expect((await upgraded.get('t', created.id))?.messages.map((message) => [message.content, message.usage])).toEqual([
      ['q', undefined],
      ['a', undefined],
    ]);
    await upgraded.append('t', created.id, [{ role: 'user', content: 'q2' }, { role: 'assistant', content: 'a2', usage: { promptTokens: 9, completionTokens: 2 } }]);
    expect((await upgraded.get('t', created.id))?.messages.at(-1)?.usage).toEqual({ promptTokens: 9, completionTokens: 2 });
    expect((await upgraded.list('t', { pageSize: 5, order: 'created' })).conversations.map((header) => header.id)).toEqual([created.id]);
    await upgraded.close();
    const after = new Database(join(dataDir, 'acai.db'));
    expect(after.pragma('user_version', { simple: true })).toBe(2);
    after.close();
  });

  it.each([
    ['on the event loop', 'loop'],
    ['on its own thread (as the host runs it)', 'thread'],
  ])('keeps committed appends when the writing process is killed (SIGKILL): store %s', async (_, where) => {
    const dataDir = join(root, `crash-${where}`);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', writerScript, dataDir, where], { cwd: process.cwd() }).catch(
      (error: { stdout?: string; signal?: string }) => {
        // The child kills itself; that is the point of the test.
        expect(error.signal).toBe('SIGKILL');
        return { stdout: error.stdout ?? '' };
      },
    );
    const id = stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    const store = new EmbeddedConversationStore({ dataDir });
    await store.init();
    const loaded = await store.get('crash', id);
    expect(loaded?.messageCount).toBe(21);
    expect(loaded?.messages.at(-1)?.content).toBe('a9');
    expect(loaded?.version).toBe(11);
    await store.close();
  });

  it('lets a process whose store thread is open but idle end by itself, its appends committed', async () => {
    const dataDir = join(root, 'idle-thread');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', writerScript, dataDir, 'thread', 'stay'], { cwd: process.cwd() });
    const store = new EmbeddedConversationStore({ dataDir });
    await store.init();
    expect((await store.get('crash', stdout.trim()))?.messageCount).toBe(21);
    await store.close();
  });

  it('makes the session indexes of an older file partial in place, and its session lookups and user listings use them', async () => {
    const dataDir = join(root, 'older-indexes');
    const first = new EmbeddedConversationStore({ dataDir });
    await first.init();
    const session = { platform: 'telegram', chatId: 'c1', userId: 'u1' };
    const withSession = await first.create({ tenantId: 't', title: 'session', session, messages: [] });
    await first.create({ tenantId: 't', title: 'api', messages: [] });
    await first.close();
    // The indexes as files written before them had them: over every conversation.
    const raw = new Database(join(dataDir, 'acai.db'));
    raw.exec(`DROP INDEX conversations_tenant_user_updated; DROP INDEX conversations_tenant_session;
      CREATE INDEX conversations_tenant_user_updated ON conversations (tenant_id, user_id, updated_at DESC, id DESC);
      CREATE INDEX conversations_tenant_session ON conversations (tenant_id, platform, chat_id, user_id, updated_at DESC);`);
    raw.close();

    const reopened = new EmbeddedConversationStore({ dataDir });
    await reopened.init();
    expect((await reopened.findLatestForSession('t', session, new Date(0)))?.id).toBe(withSession.id);
    expect((await reopened.list('t', { pageSize: 10, userId: 'u1' })).conversations.map((conversation) => conversation.id)).toEqual([withSession.id]);
    await reopened.close();

    const check = new Database(join(dataDir, 'acai.db'), { readonly: true });
    const definitions = check.prepare(`SELECT name, sql FROM sqlite_master WHERE name IN ('conversations_tenant_user_updated', 'conversations_tenant_session')`).all() as Array<{ sql: string }>;
    expect(definitions.map((row) => /WHERE/.test(row.sql))).toEqual([true, true]);
    const plan = (sql: string): string => (check.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((row) => row.detail).join('; ');
    // Either partial index answers a session lookup without scanning; a user listing needs the user one.
    const sessionPlan = plan(`SELECT id FROM conversations WHERE tenant_id = 't' AND platform = 'telegram' AND chat_id = 'c1' AND user_id = 'u1' AND updated_at >= 0 ORDER BY updated_at DESC, id DESC LIMIT 1`);
    expect(sessionPlan).toMatch(/SEARCH conversations USING (COVERING )?INDEX conversations_tenant_(session|user_updated)/);
    expect(sessionPlan).not.toMatch(/\bSCAN\b/);
    expect(plan(`SELECT id FROM conversations WHERE tenant_id = 't' AND user_id = 'u1' ORDER BY updated_at DESC, id DESC LIMIT 11`)).toMatch(
      /SEARCH conversations USING (COVERING )?INDEX conversations_tenant_user_updated/,
    );
    check.close();
  });

  it('drops the updated_at index of a file the previous build wrote, and every query it prepares still runs from an index', async () => {
    const dataDir = join(root, 'query-plans');
    const previous = new EmbeddedConversationStore({ dataDir });
    await previous.init();
    await previous.close();
    // The index as the previous build created it (its schema, at user_version 2).
    const raw = new Database(join(dataDir, 'acai.db'));
    raw.exec('CREATE INDEX conversations_updated ON conversations (updated_at)');
    raw.close();

    const prepare = vi.spyOn(Database.prototype, 'prepare');
    let prepared: string[] = [];
    try {
      let now = Date.UTC(2026, 0, 1);
      const store = new EmbeddedConversationStore({ dataDir, now: () => new Date((now += 1000)) });
      await store.init();
      const call = { id: 'call_1', name: 'weather__now', plugin: 'weather', pluginVersion: '1.0.0', arguments: '{}', result: 'sunny', outcome: 'ok', durationMs: 3 };
      const session = { platform: 'telegram', chatId: 'c1', userId: 'u1' };
      const ids: Array<{ tenantId: string; id: string }> = [];
      for (const tenantId of ['t1', 't2', 't3']) {
        for (let index = 0; index < 3; index += 1) {
          const created = await store.create({ tenantId, title: `${tenantId}-${index}`, ...(index === 0 ? { session } : {}), messages: [{ role: 'user', content: 'q' }] });
          await store.append(tenantId, created.id, [{ role: 'assistant', content: 'a', toolCalls: [call] }], { expectedVersion: 1 });
          ids.push({ tenantId, id: created.id });
        }
      }
      const [first] = ids;
      const page = await store.list('t1', { pageSize: 1 });
      await store.list('t1', { pageSize: 1, pageToken: page.nextPageToken! });
      await store.list('t1', { pageSize: 1, order: 'created' });
      await store.list('t1', { pageSize: 1, userId: 'u1' });
      await store.search('t1', { query: 'q', pageSize: 1 });
      await store.get('t1', first!.id);
      const loaded = await store.get('t1', first!.id, { recentMessages: 1 });
      await store.replaceLastMessage('t1', first!.id, loaded!.messages[0]!.id, { role: 'assistant', content: 'b' });
      await store.findLatestForSession('t1', session, new Date(0));
      await store.findByToolProvenance('t1', 'weather');
      await store.findByToolProvenance('t1', 'weather', '1.0.0');
      await store.setTitle('t1', first!.id, 'renamed');
      await store.setTitle('t1', first!.id, 'again', { ifTitle: 'renamed' });
      await store.setSummary('t1', first!.id, { content: 's', coversThroughIndex: 0, createdAt: new Date(now) });
      const cutoff = new Date(now + 1);
      // Across tenants the oldest `limit` come first in (updated_at, id) order, whichever tenant holds them.
      const byAge = ids.filter(({ id }) => id !== first!.id).map(({ id }) => id);
      expect((await store.listUntouched({ exceptTenantIds: [] }, cutoff, 4)).map((header) => header.id)).toEqual(byAge.slice(0, 4));
      expect((await store.listUntouched({ exceptTenantIds: ['t2'] }, cutoff, 2)).map((header) => header.id)).toEqual(byAge.filter((id) => !ids.some((entry) => entry.id === id && entry.tenantId === 't2')).slice(0, 2));
      expect((await store.listUntouched({ tenantId: 't3' }, cutoff, 10)).map((header) => header.id)).toEqual(ids.filter((entry) => entry.tenantId === 't3').map((entry) => entry.id));
      expect(await store.listUntouched({ exceptTenantIds: [] }, cutoff, 0)).toEqual([]);
      await store.remove('t1', first!.id, { ifUpdatedBefore: cutoff });
      await store.close();
    } finally {
      prepared = prepare.mock.calls.map(([sql]) => sql);
      prepare.mockRestore();
    }
    const statements = [...new Set(prepared.map((sql) => sql.replace(/\s+/g, ' ').trim()))].filter((sql) => /^(SELECT|WITH|INSERT|UPDATE|DELETE)\b/i.test(sql));
    // Every public query shape was exercised (a new one shows up here first).
    expect(statements.length).toBeGreaterThanOrEqual(20);

    const check = new Database(join(dataDir, 'acai.db'), { readonly: true });
    check.function('acai_contains', (_text: unknown, _query: unknown) => 0); // search's text check: the store registers it on its own connection
    const indexes = (check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`).all() as Array<{ name: string }>).map((row) => row.name);
    expect(indexes).toEqual(['conversations_tenant_created', 'conversations_tenant_session', 'conversations_tenant_updated', 'conversations_tenant_user_updated', 'tool_uses_conversation', 'tool_uses_recent']);
    const plans = statements.map((sql) => {
      const parameters = (sql.match(/\?/g) ?? []).map(() => null);
      const detail = (check.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as Array<{ detail: string }>).map((row) => row.detail).join('; ');
      return { sql, detail };
    });
    check.close();
    for (const { sql, detail } of plans) {
      // No table or index read from end to end (a delete's cascade included), no result sorted as a
      // whole (a tie-break sort of a few rows is fine).
      expect(detail, sql).not.toMatch(/\bSCAN (conversations|messages|tool_uses|c|u)\b/);
      expect(detail, sql).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    }
    const untouched = plans.filter(({ sql }) => /updated_at < \?/.test(sql));
    expect(untouched).toHaveLength(2);
    for (const { detail } of untouched) expect(detail).toMatch(/SEARCH conversations USING INDEX conversations_tenant_updated \(tenant_id=\? AND updated_at<\?\)/);
  });

  it('reads back hostile text and tool-call records exactly through its one-statement JSON read', async () => {
    const store = new EmbeddedConversationStore({ dataDir: join(root, 'hostile-read') });
    await store.init();
    try {
      const nasty = `nul\u0000 "quotes" \\back\\slash \n\t\r\u0001\u001f emoji 😀 \u2028\u2029 ]}"),json(' -- ${'x'.repeat(70_000)}`;
      const call = {
        id: 'c"1',
        name: 'p__t',
        plugin: 'p',
        pluginVersion: '1.0.0',
        tool: 't',
        arguments: JSON.stringify({ text: nasty, big: Number.MAX_SAFE_INTEGER, fraction: 0.1, nested: [null, true, { a: '\u0000' }] }),
        result: nasty,
        outcome: 'ok' as const,
        durationMs: 3,
        tokens: { call: 12, result: 0 },
      };
      const messages = [
        { role: 'user' as const, content: nasty, tokens: 5 },
        { role: 'assistant' as const, content: '', toolCalls: [call], promptVersion: 'v"2', usage: { promptTokens: 1, completionTokens: 0 } },
        { role: 'assistant' as const, content: '[1,2]' },
      ];
      const created = await store.create({ tenantId: 't', title: nasty, messages });
      const stripped = (loaded: { messages: readonly object[] } | undefined) =>
        loaded?.messages.map(({ id: _id, createdAt: _createdAt, ...rest }: { id?: unknown; createdAt?: unknown }) => rest);
      expect(stripped(await store.get('t', created.id))).toEqual(messages);
      const whole = await store.get('t', created.id);
      expect(whole?.messages.map((message) => [message.id, message.createdAt.getTime()])).toEqual(created.messages.map((message) => [message.id, message.createdAt.getTime()]));
      expect(whole?.title).toBe(nasty);
      expect(stripped(await store.get('t', created.id, { recentMessages: 2 }))).toEqual(messages.slice(1));
      expect((await store.get('t', created.id, { recentMessages: 2 }))?.firstMessageIndex).toBe(1);
      expect((await store.get('t', created.id, { recentMessages: 0 }))?.messages).toEqual([]);
      expect((await store.get('t', created.id, { recentMessages: -5 }))?.messages).toEqual([]);
      expect(stripped(await store.get('t', created.id, { recentMessages: 10 }))).toEqual(messages);
      const empty = await store.create({ tenantId: 't', title: 'empty', messages: [] });
      expect(await store.get('t', empty.id, { recentMessages: 10 })).toMatchObject({ messages: [], messageCount: 0, firstMessageIndex: 0 });
      expect(await store.get('other', created.id)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  describe('appends of one event-loop turn share a transaction (group commit)', () => {
    let store: EmbeddedConversationStore;
    let dataDir: string;
    const turn = (text: string) => [
      { role: 'user' as const, content: `q ${text}` },
      { role: 'assistant' as const, content: `a ${text}` },
    ];
    const contents = async (id: string) => (await store.get('t', id))?.messages.map((message) => message.content);
    const errorOf = async (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (caught: unknown) => caught,
      );

    beforeAll(async () => {
      dataDir = join(root, 'group-commit');
      store = new EmbeddedConversationStore({ dataDir });
      await store.init();
    });

    afterAll(async () => {
      await store.close();
    });

    it('fails a conflicting or missing append alone and lands two appends to one conversation in order', async () => {
      const first = await store.create({ tenantId: 't', title: 'one', messages: turn('0') });
      const second = await store.create({ tenantId: 't', title: 'two', messages: turn('0') });
      const results = await Promise.allSettled([
        store.append('t', first.id, turn('1'), { expectedVersion: 1 }),
        store.append('t', second.id, turn('1'), { expectedVersion: 7 }),
        store.append('t', 'ffffffffffffffffffffffff', turn('1')),
        store.append('other-tenant', first.id, turn('1')),
        store.append('t', first.id, turn('2')),
        // Expected the version the first append of this batch already moved: a conflict.
        store.append('t', first.id, turn('3'), { expectedVersion: 1 }),
      ]);
      expect(results[0]).toEqual({ status: 'fulfilled', value: { version: 2 } });
      expect(results[1]?.status === 'rejected' && HostError.isInstance(results[1].reason) && results[1].reason.code).toBe('HOST_CONVERSATION_CONFLICT');
      expect(results[2]).toEqual({ status: 'fulfilled', value: undefined });
      expect(results[3]).toEqual({ status: 'fulfilled', value: undefined });
      expect(results[4]).toEqual({ status: 'fulfilled', value: { version: 3 } });
      expect(results[5]?.status === 'rejected' && HostError.isInstance(results[5].reason) && results[5].reason.code).toBe('HOST_CONVERSATION_CONFLICT');
      expect(await contents(first.id)).toEqual(['q 0', 'a 0', 'q 1', 'a 1', 'q 2', 'a 2']);
      expect(await contents(second.id)).toEqual(['q 0', 'a 0']);
      expect((await store.get('t', second.id))?.version).toBe(1);
    });

    it('rolls back an append that fails after it wrote, and only that one', async () => {
      const good = await store.create({ tenantId: 't', title: 'good', messages: [] });
      const broken = await store.create({ tenantId: 't', title: 'broken', messages: turn('0') });
      // Hostile input past the types: the first message is written, binding the second one fails.
      const unbindable = [{ role: 'user', content: 'written first' }, { role: 'assistant', content: { not: 'text' } }] as unknown as ReturnType<typeof turn>;
      const results = await Promise.allSettled([store.append('t', broken.id, unbindable), store.append('t', good.id, turn('1'))]);
      expect(results[0]?.status === 'rejected' && HostError.isInstance(results[0].reason) && results[0].reason.code).toBe('HOST_STORE_UNAVAILABLE');
      expect(results[0]?.status === 'rejected' && (results[0].reason as Error).message).not.toMatch(/bind|SQLite/i);
      expect(results[1]).toEqual({ status: 'fulfilled', value: { version: 1 } });
      const reloaded = await store.get('t', broken.id);
      expect([reloaded?.messages.map((message) => message.content), reloaded?.version, reloaded?.messageCount]).toEqual([['q 0', 'a 0'], 1, 2]);
      expect(await contents(good.id)).toEqual(['q 1', 'a 1']);
    });

    it('never shows another connection half a batch', async () => {
      const ids = await Promise.all(['x', 'y', 'z'].map(async (title) => (await store.create({ tenantId: 't', title, messages: [] })).id));
      const reader = new Database(join(dataDir, 'acai.db'), { readonly: true });
      const countAppended = () =>
        (reader.prepare(`SELECT count(*) AS n FROM messages WHERE conversation_id IN (?, ?, ?)`).get(...ids) as { n: number }).n;
      try {
        let seenMidBatch: number | undefined;
        // A record's toJSON runs while its append is written, after the batch's first append wrote.
        const record = { id: 'c1', name: 'p__t', arguments: '{}', result: 'ok', outcome: 'ok' as const, durationMs: 1 };
        const spy = { ...record, toJSON: () => ((seenMidBatch = countAppended()), record) };
        const appends = [
          store.append('t', ids[0]!, turn('1')),
          store.append('t', ids[1]!, [{ role: 'assistant', content: 'with a call', toolCalls: [spy] }]),
          store.append('t', ids[2]!, turn('1')),
        ];
        expect(countAppended()).toBe(0);
        await Promise.all(appends);
        expect(seenMidBatch).toBe(0);
        expect(countAppended()).toBe(5);
      } finally {
        reader.close();
      }
    });

    it('rejects every append of a batch whose transaction cannot start, and keeps none of them', async () => {
      const ids = await Promise.all(['p', 'q'].map(async (title) => (await store.create({ tenantId: 't', title, messages: turn('0') })).id));
      // Another process (e.g. the CLI) holds the write lock past the store's busy timeout.
      const other = new Database(join(dataDir, 'acai.db'));
      other.exec('BEGIN IMMEDIATE');
      try {
        const results = await Promise.allSettled(ids.map((id) => store.append('t', id, turn('1'))));
        for (const result of results) {
          expect(result.status === 'rejected' && HostError.isInstance(result.reason) && result.reason.code).toBe('HOST_STORE_UNAVAILABLE');
        }
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      for (const id of ids) expect(await contents(id)).toEqual(['q 0', 'a 0']);
      expect(await store.append('t', ids[0]!, turn('1'))).toEqual({ version: 2 });
    });

    it('commits appends still queued when the store closes', async () => {
      const closing = new EmbeddedConversationStore({ dataDir: join(root, 'group-commit-close') });
      await closing.init();
      const created = await closing.create({ tenantId: 't', title: 'c', messages: [] });
      const pending = closing.append('t', created.id, turn('1'));
      await closing.close();
      await expect(pending).resolves.toEqual({ version: 1 });
      const reopened = new EmbeddedConversationStore({ dataDir: join(root, 'group-commit-close') });
      await reopened.init();
      expect((await reopened.get('t', created.id))?.messages.map((message) => message.content)).toEqual(['q 1', 'a 1']);
      await expect(errorOf(closing.append('t', created.id, turn('2')))).resolves.toMatchObject({ code: 'HOST_STORE_UNAVAILABLE' });
      await reopened.close();
    });
  });

  it('refuses a database written by a newer schema', async () => {
    const dataDir = join(root, 'future');
    const store = new EmbeddedConversationStore({ dataDir });
    await store.init();
    await store.close();
    const raw = new Database(join(dataDir, 'acai.db'));
    raw.pragma('user_version = 99');
    raw.close();
    const newer = new EmbeddedConversationStore({ dataDir });
    const error = await newer.init().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(HostError.isInstance(error) && error.code).toBe('HOST_CONFIG_INVALID');
    expect((error as Error).message).toMatch(/schema 99/);
  });

  it('fails clearly when used before init', async () => {
    const store = new EmbeddedConversationStore({ dataDir: join(root, 'unopened') });
    const error = await store.list('t', { pageSize: 1 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(HostError.isInstance(error) && error.code).toBe('HOST_STORE_UNAVAILABLE');
  });

  it('is what the factory builds when no MongoDB URL is configured', async () => {
    const store = await createConversationStore({ dataDir: join(root, 'factory'), logger: pino({ level: 'silent' }) });
    expect(store.kind).toBe('embedded');
    await store.ping();
    await store.close();
  });
});
