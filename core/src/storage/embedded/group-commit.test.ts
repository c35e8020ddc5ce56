import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WriteGuard } from './checkpoint-handshake.js';
import { GroupCommit } from './group-commit.js';

class BatchFailure extends Error {}

let folder: string;
let database: Database.Database;
let batches: number[];
let commits: GroupCommit;

function insert(value: string): () => string {
  return () => {
    database.prepare('INSERT INTO items (value) VALUES (?)').run(value);
    return value;
  };
}

function stored(): string[] {
  return (database.prepare('SELECT value FROM items ORDER BY rowid').all() as Array<{ value: string }>).map((row) => row.value);
}

async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'acai-group-commit-'));
  database = new Database(join(folder, 'data.db'));
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  // A deferred foreign key is checked at COMMIT: the way to make a COMMIT (not a statement) fail.
  database.exec(`
    CREATE TABLE parents (id INTEGER PRIMARY KEY);
    CREATE TABLE items (value TEXT NOT NULL UNIQUE, parent INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);
  `);
  batches = [];
  commits = new GroupCommit(database, {
    failure: (error) => (error instanceof BatchFailure ? error : new BatchFailure('batch failed', { cause: error })),
    onBatch: (size) => batches.push(size),
  });
});

afterEach(async () => {
  database.close();
  await rm(folder, { recursive: true, force: true });
});

describe('GroupCommit', () => {
  it('commits the writes of one event-loop turn as one batch, in the order they were queued', async () => {
    const results = await Promise.all([commits.run(insert('a')), commits.run(insert('b')), commits.run(insert('c'))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(batches).toEqual([3]);
    expect(stored()).toEqual(['a', 'b', 'c']);
    await commits.run(insert('d'));
    expect(batches).toEqual([3, 1]);
  });

  it('resolves nothing before the COMMIT: the writes are not visible to another connection until then', async () => {
    const other = new Database(join(folder, 'data.db'));
    try {
      let seenInside: number | undefined;
      const first = commits.run(insert('a'));
      const second = commits.run(() => {
        insert('b')();
        seenInside = (other.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
      });
      expect((other.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n).toBe(0);
      await Promise.all([first, second]);
      expect(seenInside).toBe(0);
      expect((other.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n).toBe(2);
    } finally {
      other.close();
    }
  });

  it('rolls back only the failing write of a batch and rejects only its caller, even after it wrote', async () => {
    const results = await Promise.all([
      settled(commits.run(insert('a'))),
      settled(
        commits.run(() => {
          insert('half')();
          insert('a')(); // UNIQUE: the second statement fails after the first one wrote
        }),
      ),
      settled(
        commits.run(() => {
          throw new Error('refused by the work itself');
        }),
      ),
      settled(commits.run(insert('c'))),
    ]);
    expect(batches).toEqual([4]);
    expect(results[0]).toEqual({ value: 'a' });
    expect(results[1]?.error).toBeInstanceOf(BatchFailure);
    expect(((results[1]?.error as Error).cause as Error).message).toMatch(/UNIQUE/);
    expect(results[2]?.error).toBeInstanceOf(BatchFailure);
    expect(results[3]).toEqual({ value: 'c' });
    expect(stored()).toEqual(['a', 'c']);
  });

  it('rejects every write of the batch with the failure when the COMMIT fails, and keeps none of them', async () => {
    const results = await Promise.all([
      settled(commits.run(insert('a'))),
      settled(commits.run(() => database.prepare('INSERT INTO items (value, parent) VALUES (?, ?)').run('orphan', 42))),
      settled(commits.run(insert('c'))),
    ]);
    for (const result of results) {
      expect(result.error).toBeInstanceOf(BatchFailure);
      expect(((result.error as Error).cause as Error).message).toMatch(/FOREIGN KEY/);
    }
    expect(database.inTransaction).toBe(false);
    expect(stored()).toEqual([]);
    // The next batch starts clean.
    await commits.run(insert('after'));
    expect(stored()).toEqual(['after']);
  });

  it('fails a batch of one the same way when its COMMIT fails', async () => {
    const result = await settled(commits.run(() => database.prepare('INSERT INTO items (value, parent) VALUES (?, ?)').run('orphan', 42)));
    expect(result.error).toBeInstanceOf(BatchFailure);
    expect(stored()).toEqual([]);
  });

  it('fails the whole batch when a write ends the transaction itself (as SQLite does on a full disk)', async () => {
    const results = await Promise.all([
      settled(commits.run(insert('a'))),
      settled(
        commits.run(() => {
          database.exec('ROLLBACK');
          throw new Error('disk full');
        }),
      ),
      settled(commits.run(insert('c'))),
    ]);
    for (const result of results) expect(result.error).toBeInstanceOf(BatchFailure);
    expect(database.inTransaction).toBe(false);
    expect(stored()).toEqual([]);
  });

  it('commits what is queued when flushed early (before the database closes)', async () => {
    const pending = commits.run(insert('a'));
    commits.flush();
    expect(stored()).toEqual(['a']);
    await expect(pending).resolves.toBe('a');
    expect(batches).toEqual([1]);
  });
});

/** A guard the test holds and lets go of by hand, recording what the batches asked of it. */
class HandGuard implements WriteGuard {
  held = false;
  writes = 0;
  #waiting: Array<() => void> = [];
  tryBeginWrite(): boolean {
    if (this.held) return false;
    this.writes += 1;
    return true;
  }
  endWrite(): void {}
  whenReleased(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  letGo(): void {
    this.held = false;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

describe('GroupCommit with a guard (a checkpoint holding the file)', () => {
  function guarded(guard: WriteGuard, maxGuardWaitMs?: number): GroupCommit {
    return new GroupCommit(database, {
      failure: (error) => error,
      onBatch: (size) => batches.push(size),
      guard,
      ...(maxGuardWaitMs === undefined ? {} : { maxGuardWaitMs }),
    });
  }

  it('holds the batch back while the guard is held, keeps the event loop free, and commits it all when let go', async () => {
    const guard = new HandGuard();
    guard.held = true;
    const writes = guarded(guard);
    const first = writes.run(insert('a'));
    await new Promise((resolve) => setImmediate(resolve));
    const second = writes.run(insert('b'));
    await new Promise((resolve) => setImmediate(resolve));
    // Nothing was written or began a transaction: the loop ran on (these lines run) while the writes wait.
    expect(stored()).toEqual([]);
    expect(database.inTransaction).toBe(false);
    expect(batches).toEqual([]);

    guard.letGo();
    await expect(Promise.all([first, second])).resolves.toEqual(['a', 'b']);
    expect(stored()).toEqual(['a', 'b']);
    expect(batches).toEqual([2]);
    expect(guard.writes).toBe(1);
  });

  it('goes ahead without the guard once the writes waited maxGuardWaitMs, as it would without one', async () => {
    const guard = new HandGuard();
    guard.held = true;
    const writes = guarded(guard, 20);
    await expect(writes.run(insert('a'))).resolves.toBe('a');
    expect(stored()).toEqual(['a']);
    expect(guard.writes).toBe(0);
  });

  it('commits at once on a forced flush, whatever the guard says (the store closing)', async () => {
    const guard = new HandGuard();
    guard.held = true;
    const writes = guarded(guard);
    const pending = writes.run(insert('a'));
    writes.flush({ force: true });
    expect(stored()).toEqual(['a']);
    await expect(pending).resolves.toBe('a');
  });

  it('rejects a write with its own failure mapping when given one', async () => {
    const writes = guarded(new HandGuard());
    const result = await settled(
      writes.run(
        () => {
          throw new Error('boom');
        },
        (error) => new BatchFailure(`mapped: ${(error as Error).message}`),
      ),
    );
    expect(result.error).toBeInstanceOf(BatchFailure);
    expect((result.error as Error).message).toBe('mapped: boom');
  });
});
