// Why: a RESTART checkpoint holds SQLite's write lock while it copies the rest of the WAL and syncs the
// file. A COMMIT on the event loop that meets that lock does not fail, it waits in SQLite's busy handler,
// which sleeps the thread: the whole loop stopped with it. bench:capacity at 550 and 770 turns/s, with every
// RESTART (one every 2–3 s) and every flush over 4 ms logged: 31–45 flushes per run met a RESTART, 9.5–9.8 ms
// at the median and up to 386 ms. So the store and the checkpoint thread agree through one word of shared
// memory instead of through SQLite's lock alone. The store takes the word around each write transaction
// without ever waiting for it; the thread takes it (waiting, on its own thread) around each RESTART. A write
// that finds the word held waits for the release as a promise, and the loop serves everything else meanwhile.

/** The word's states. */
const FREE = 0;
const STORE_WRITING = 1;
const CHECKPOINT_HOLDS = 2;

/** The store's side of the handshake, as GroupCommit uses it. */
export interface WriteGuard {
  /** Takes the word for one write transaction; false (at once, never waiting) while a checkpoint holds it. */
  tryBeginWrite(): boolean;
  /** Gives the word back after the transaction committed or rolled back. */
  endWrite(): void;
  /** Resolves when the checkpoint side has let go (or may have: the caller tries again). */
  whenReleased(): Promise<void>;
}

/**
 * One shared word between the event loop (the store's writes) and the checkpoint thread (its RESTARTs).
 * The thread's side is plain JavaScript in the thread's source ({@link CHECKPOINT_SIDE_SOURCE}).
 */
export class CheckpointHandshake implements WriteGuard {
  /** Handed to the checkpoint thread (workerData). */
  readonly buffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  readonly #word = new Int32Array(this.buffer);
  #waiting: Array<() => void> = [];

  tryBeginWrite(): boolean {
    return Atomics.compareExchange(this.#word, 0, FREE, STORE_WRITING) === FREE;
  }

  endWrite(): void {
    Atomics.store(this.#word, 0, FREE);
    // Wakes the thread if it waits to start a RESTART.
    Atomics.notify(this.#word, 0);
  }

  whenReleased(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** The thread reported a checkpoint (it lets go before it reports): writes waiting for it try again. */
  released(): void {
    if (this.#waiting.length === 0) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }

  /** The thread is gone: whatever it held is free, and nobody will report any more. */
  threadEnded(): void {
    Atomics.compareExchange(this.#word, 0, CHECKPOINT_HOLDS, FREE);
    this.released();
  }
}

/**
 * The thread's side, as source for the checkpoint thread (CommonJS, run by `eval`): `holdWrites(buffer)`
 * waits (on that thread) until no store write is in progress and takes the word; `releaseWrites(buffer)`
 * frees it and wakes nobody on the loop (the thread's report does).
 */
export const CHECKPOINT_SIDE_SOURCE = `
function holdWrites(buffer) {
  const word = new Int32Array(buffer);
  while (Atomics.compareExchange(word, 0, ${FREE}, ${CHECKPOINT_HOLDS}) !== ${FREE}) Atomics.wait(word, 0, ${STORE_WRITING}, 100);
}
function releaseWrites(buffer) {
  Atomics.store(new Int32Array(buffer), 0, ${FREE});
}
`;
