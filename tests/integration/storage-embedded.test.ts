import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.close();
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
