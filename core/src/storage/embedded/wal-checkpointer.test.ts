import { copyFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedConversationStore } from './embedded-conversation-store.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

const folders: string[] = [];

async function scratchFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'acai-wal-'));
  folders.push(folder);
  return folder;
}

/** Rows a copy of the database file alone holds: what checkpoints have moved out of the WAL. */
function checkpointedRows(folder: string, file: string): number {
  const copy = join(folder, `copy-${Date.now()}-${Math.random()}.db`);
  copyFileSync(join(folder, file), copy);
  const database = new Database(copy, { readonly: true });
  try {
    return (database.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
  } catch {
    return 0; // the table itself is still only in the WAL
  } finally {
    database.close();
  }
}

afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

describe('startWalCheckpointer', () => {
  it('moves committed pages from the WAL into the database file from its own thread', async () => {
    const folder = await scratchFolder();
    const database = new Database(join(folder, 'data.db'));
    database.pragma('journal_mode = WAL');
    database.pragma('wal_autocheckpoint = 0');
    database.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, text TEXT)');
    const insert = database.prepare('INSERT INTO items (text) VALUES (?)');
    for (let index = 0; index < 200; index += 1) insert.run(`item ${index}`);
    expect(checkpointedRows(folder, 'data.db')).toBe(0);

    const checkpointer = startWalCheckpointer(join(folder, 'data.db'), { intervalMs: 5 });
    await checkpointer.stop();

    expect(checkpointedRows(folder, 'data.db')).toBe(200);
    database.close();
  });

  it('stops quietly when called twice or when the database is gone', async () => {
    const folder = await scratchFolder();
    const checkpointer = startWalCheckpointer(join(folder, 'missing.db'), { intervalMs: 5 });
    await checkpointer.stop();
    await checkpointer.stop();
  });
});

describe('EmbeddedConversationStore with background checkpoints', () => {
  it('serves writes and reads with the checkpoint thread running and leaves a complete file on close', async () => {
    const folder = await scratchFolder();
    const store = new EmbeddedConversationStore({ dataDir: folder, backgroundCheckpoints: true });
    await store.init();
    const probe = new Database(store.path, { readonly: true });
    expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
    probe.close();
    const created = await store.create({ tenantId: 't', title: 'x', messages: [{ role: 'user', content: 'hello' }] });
    await store.close();
    const reopened = new EmbeddedConversationStore({ dataDir: folder });
    await reopened.init();
    expect((await reopened.get('t', created.id))?.messages.map((message) => message.content)).toEqual(['hello']);
    await reopened.close();
  });
});
