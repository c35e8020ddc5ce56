import { copyFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedConversationStore } from './embedded-conversation-store.js';
import { CheckpointHandshake } from './checkpoint-handshake.js';
import { startWalCheckpointer, type CheckpointReport } from './wal-checkpointer.js';

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

/** A WAL database with 200 rows, none of them checkpointed yet. */
function walDatabase(folder: string): Database.Database {
  const database = new Database(join(folder, 'data.db'));
  database.pragma('journal_mode = WAL');
  database.pragma('wal_autocheckpoint = 0');
  database.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, text TEXT)');
  const insert = database.prepare('INSERT INTO items (text) VALUES (?)');
  for (let index = 0; index < 200; index += 1) insert.run(`item ${index}`);
  return database;
}

afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

describe('startWalCheckpointer', () => {
  it('moves committed pages from the WAL into the database file from its own thread', async () => {
    const folder = await scratchFolder();
    const database = walDatabase(folder);
    expect(checkpointedRows(folder, 'data.db')).toBe(0);

    const checkpointer = startWalCheckpointer(join(folder, 'data.db'), { intervalMs: 5 });
    await checkpointer.stop();

    expect(checkpointedRows(folder, 'data.db')).toBe(200);
    database.close();
  });

  it('rewinds a WAL past restartAfterPages with one RESTART, then goes back to PASSIVE', async () => {
    const folder = await scratchFolder();
    const database = walDatabase(folder);
    const reports: CheckpointReport[] = [];
    const checkpointer = startWalCheckpointer(join(folder, 'data.db'), {
      intervalMs: 5,
      restartAfterPages: 1,
      handshake: new CheckpointHandshake(),
      onCheckpoint: (report) => reports.push(report),
    });
    await vi.waitFor(() => expect(reports.length).toBeGreaterThanOrEqual(4), { timeout: 10_000 });
    // While nobody writes, the WAL keeps its old length but needs no second RESTART.
    expect(reports.slice(0, 4).map((report) => report.mode)).toEqual(['PASSIVE', 'RESTART', 'PASSIVE', 'PASSIVE']);
    expect(checkpointedRows(folder, 'data.db')).toBe(200);

    // The next write starts the WAL over from its first frame.
    database.prepare('INSERT INTO items (text) VALUES (?)').run('after the restart');
    const seen = reports.length;
    // (A report already on its way may still show the old length.)
    await vi.waitFor(() => expect(reports.slice(seen).some((report) => report.log < 5)).toBe(true), { timeout: 10_000 });
    await checkpointer.stop();
    database.close();
  });

  it('starts a RESTART only between store write transactions, never inside one', async () => {
    const folder = await scratchFolder();
    const database = walDatabase(folder);
    const handshake = new CheckpointHandshake();
    const reports: CheckpointReport[] = [];
    // The store is inside a write transaction from before the thread starts.
    expect(handshake.tryBeginWrite()).toBe(true);
    const checkpointer = startWalCheckpointer(join(folder, 'data.db'), {
      intervalMs: 5,
      restartAfterPages: 1,
      handshake,
      onCheckpoint: (report) => reports.push(report),
    });
    await vi.waitFor(() => expect(reports.length).toBe(1), { timeout: 10_000 });
    await sleep(100);
    // The PASSIVE checkpoint ran; the RESTART after it waits for the write to end.
    expect(reports.map((report) => report.mode)).toEqual(['PASSIVE']);

    handshake.endWrite();
    await vi.waitFor(() => expect(reports.map((report) => report.mode)).toContain('RESTART'), { timeout: 10_000 });
    await checkpointer.stop();
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
