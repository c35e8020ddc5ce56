import type Database from 'better-sqlite3';
import type { WriteGuard } from './checkpoint-handshake.js';

// Why: with WAL and synchronous=NORMAL the COMMIT is the largest single cost of an append (it writes
// every page the transaction touched as a WAL frame). Pages that every append touches — the newest
// leaf of the recency indexes, the interior pages above them — are written once per transaction, so
// appends issued in the same turn of the event loop share one IMMEDIATE transaction, flushed on
// setImmediate. Each runs inside its own SAVEPOINT (better-sqlite3 nests a transaction function as
// one), so a failing one rolls back only its own writes and rejects only its own caller. No promise
// resolves before the COMMIT that holds its writes has returned: an append is still durable (in the
// WAL) when its caller hears of it. Under light load a batch is one write and costs what it did.
// With a guard (checkpoint-handshake.ts), a batch that finds a RESTART checkpoint under way waits for it
// as a promise instead of sleeping the event loop in SQLite's busy handler.

/** One queued write: its work (synchronous SQLite calls) and its caller's promise. */
interface QueuedWrite {
  readonly work: () => unknown;
  readonly failure: (error: unknown) => unknown;
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
  /** Keeps batches from meeting a RESTART checkpoint on the event loop (see checkpoint-handshake.ts). */
  readonly guard?: WriteGuard;
  /**
   * How long queued writes wait for the guard before a batch goes ahead anyway and meets SQLite's own
   * busy timeout, as without a guard (default 5,000 ms: the store's busy_timeout).
   */
  readonly maxGuardWaitMs?: number;
}

/** Queues synchronous write transactions and commits those of one event-loop turn together. */
export class GroupCommit {
  readonly #database: Database.Database;
  readonly #options: GroupCommitOptions;
  #queue: QueuedWrite[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  /** When the guard first turned a batch away, while it still does (performance.now()). */
  #heldOffSince: number | undefined;
  #waitingForGuard = false;
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
   * result after that transaction committed; rejects with `failure` (default: the options') of what
   * `work` threw (its writes rolled back), or of the batch's error when the transaction could not begin
   * or commit.
   */
  run<T>(work: () => T, failure: (error: unknown) => unknown = this.#options.failure): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, failure, resolve: resolve as (value: unknown) => void, reject });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /**
   * Commits everything queued now, unless the guard says a checkpoint holds the file: then the batch
   * goes when it lets go. `force` skips the guard (before the database closes, when the checkpoint
   * thread has already ended).
   */
  flush(options: { force?: boolean } = {}): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    if (this.#queue.length === 0) return;
    const guard = options.force ? undefined : this.#options.guard;
    const access = guard === undefined ? 'unguarded' : this.#takeGuard(guard);
    if (access === 'wait') return;
    const batch = this.#queue;
    this.#queue = [];
    this.#options.onBatch?.(batch.length);
    let outcomes: WriteOutcome[];
    try {
      outcomes = batch.length === 1 ? [this.#runAlone(batch[0]!)] : this.#runTogether(batch);
    } catch (error) {
      for (const write of batch) write.reject(write.failure(error));
      return;
    } finally {
      if (access === 'taken') guard?.endWrite();
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(write.failure(outcome.error));
    });
  }

  /**
   * Takes the guard for this batch ('taken'). When a checkpoint holds it, arranges for the batch to be
   * flushed once it lets go ('wait'), unless the writes have waited maxGuardWaitMs already: then the batch
   * goes ahead without it ('unguarded') and SQLite's busy timeout decides.
   */
  #takeGuard(guard: WriteGuard): 'taken' | 'wait' | 'unguarded' {
    if (guard.tryBeginWrite()) {
      this.#heldOffSince = undefined;
      return 'taken';
    }
    const now = performance.now();
    this.#heldOffSince ??= now;
    const waitLeft = this.#heldOffSince + (this.#options.maxGuardWaitMs ?? 5_000) - now;
    if (waitLeft <= 0) {
      this.#heldOffSince = undefined;
      return 'unguarded';
    }
    if (!this.#waitingForGuard) {
      this.#waitingForGuard = true;
      const tryAgain = (): void => {
        if (!this.#waitingForGuard) return;
        this.#waitingForGuard = false;
        clearTimeout(deadline);
        this.flush();
      };
      const deadline = setTimeout(tryAgain, waitLeft);
      void guard.whenReleased().then(tryAgain);
    }
    return 'wait';
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
