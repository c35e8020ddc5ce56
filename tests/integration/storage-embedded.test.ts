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

  it('keeps committed appends when the writing process is killed (SIGKILL)', async () => {
    const dataDir = join(root, 'crash');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', writerScript, dataDir], { cwd: process.cwd() }).catch(
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
