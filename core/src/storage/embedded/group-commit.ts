import type Database from 'better-sqlite3';

// Why: with WAL and synchronous=NORMAL the COMMIT is the largest single cost of an append (it writes
// every page the transaction touched as a WAL frame). Pages that every append touches — the newest
// leaf of the recency indexes, the interior pages above them — are written once per transaction, so
// appends issued in the same turn of the event loop share one IMMEDIATE transaction, flushed on
// setImmediate. Each runs inside its own SAVEPOINT (better-sqlite3 nests a transaction function as
// one), so a failing one rolls back only its own writes and rejects only its own caller. No promise
// resolves before the COMMIT that holds its writes has returned: an append is still durable (in the
// WAL) when its caller hears of it. Under light load a batch is one write and costs what it did.

/** One queued write: its work (synchronous SQLite calls) and its caller's promise. */
interface QueuedWrite {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Outcome of one write inside a batch, settled only after the batch's COMMIT. */
type WriteOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** Options for {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** Turns what a write or the batch threw (a driver error, a failed BEGIN or COMMIT) into the error its caller sees. */
  readonly failure: (error: unknown) => unknown;
  /** Called with the size of every flushed batch (metrics, tests). */
  readonly onBatch?: (size: number) => void;
}

/** Queues synchronous write transactions and commits those of one event-loop turn together. */
export class GroupCommit {
  readonly #database: Database.Database;
  readonly #options: GroupCommitOptions;
  #queue: QueuedWrite[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  // Built once: better-sqlite3 makes five wrapper functions per transaction() call. Called inside a
  // transaction, the same wrapper opens a SAVEPOINT instead of BEGIN.
  readonly #transaction: Database.Transaction<(work: () => unknown) => unknown>;

  constructor(database: Database.Database, options: GroupCommitOptions) {
    this.#database = database;
    this.#options = options;
    this.#transaction = database.transaction((work: () => unknown) => work());
  }

  /**
   * Runs `work` (synchronous SQLite calls, no awaits) in the next batch's transaction. Resolves with its
   * result after that transaction committed; rejects with `failure` of what `work` threw (its writes
   * rolled back), or of the batch's error when the transaction could not begin or commit.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits everything queued now (also called before the database closes). */
  flush(): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    this.#options.onBatch?.(batch.length);
    let outcomes: WriteOutcome[];
    try {
      outcomes = batch.length === 1 ? [this.#runAlone(batch[0]!)] : this.#runTogether(batch);
    } catch (error) {
      const failure = this.#options.failure(error);
      for (const write of batch) write.reject(failure);
      return;
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(this.#options.failure(outcome.error));
    });
  }

  /** A batch of one: its own transaction, exactly as without batching (a failure is the write's own). */
  #runAlone(write: QueuedWrite): WriteOutcome {
    return { ok: true, value: this.#transaction.immediate(write.work) };
  }

  #runTogether(batch: readonly QueuedWrite[]): WriteOutcome[] {
    return this.#transaction.immediate(() =>
      batch.map((write): WriteOutcome => {
        try {
          return { ok: true, value: this.#transaction(write.work) };
        } catch (error) {
          // Some errors (SQLITE_FULL, SQLITE_IOERR, …) roll back the whole transaction, not just
          // the savepoint: then nothing of the batch is kept, and every write fails with it.
          if (!this.#database.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    ) as WriteOutcome[];
  }
}
