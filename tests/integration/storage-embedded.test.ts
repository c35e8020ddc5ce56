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
    raw.exec('DROP INDEX conversations_tenant_created; DROP INDEX conversations_updated; ALTER TABLE messages DROP COLUMN usage');
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
