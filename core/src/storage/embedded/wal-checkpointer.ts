import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

// Why a thread: SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold, on the
// connection that committed — here, the event loop — and with synchronous=NORMAL it ends with fsync of
// the WAL and the database. On a busy disk that is tens to hundreds of milliseconds during which no
// request makes progress (bench:capacity measured 7–77 ms per checkpoint with ~1 ms of it CPU). The
// store's own connection turns automatic checkpoints off; this thread checkpoints with its own
// connection instead. PASSIVE checkpoints never block the store's readers or writer. Under sustained
// writes a PASSIVE checkpoint may never catch up with the newest frame, and SQLite only rewinds the WAL
// once everything was copied, so past `restartAfterPages` the thread asks for one RESTART checkpoint,
// which holds new writers back (the store's busy timeout) only for that copy.

/** Tunables of {@link startWalCheckpointer}. */
export interface WalCheckpointerOptions {
  /** Time between checkpoints (default 200 ms). */
  readonly intervalMs?: number;
  /** WAL size in pages after which the next checkpoint is a RESTART (default 8,192: 32 MiB of 4 KiB pages). */
  readonly restartAfterPages?: number;
  readonly logger?: Logger | undefined;
}

/** A running checkpoint thread. */
export interface WalCheckpointer {
  /** Checkpoints once more and ends the thread. */
  stop(): Promise<void>;
}

/** What the thread reports after each checkpoint. */
interface CheckpointReport {
  readonly type: 'checkpoint';
  readonly mode: 'PASSIVE' | 'RESTART';
  /** Frames in the WAL and frames copied into the database (SQLite's `log` and `checkpointed`). */
  readonly log: number;
  readonly checkpointed: number;
  readonly durationMs: number;
}

type ThreadMessage = CheckpointReport | { readonly type: 'failed'; readonly message: string } | { readonly type: 'stopped' };

// The thread's program, run as CommonJS by `eval`, so it needs no file of its own in source and in dist.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const database = new Database(workerData.path, { fileMustExist: true });
database.pragma('busy_timeout = 5000');
let mode = 'PASSIVE';
function checkpoint() {
  const started = performance.now();
  try {
    const [result] = database.pragma('wal_checkpoint(' + mode + ')');
    parentPort.postMessage({ type: 'checkpoint', mode, log: result.log, checkpointed: result.checkpointed, durationMs: performance.now() - started });
    mode = result.log > workerData.restartAfterPages ? 'RESTART' : 'PASSIVE';
  } catch (error) {
    parentPort.postMessage({ type: 'failed', message: String((error && error.message) || error) });
  }
}
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  database.close();
  parentPort.postMessage({ type: 'stopped' });
  parentPort.close();
});
`;

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * Checkpoints the WAL of the database at `path` from a worker thread until stopped. The caller's
 * connection should set `wal_autocheckpoint = 0` so checkpoints happen only here.
 */
export function startWalCheckpointer(path: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
  const worker = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: { path, driverPath, intervalMs: options.intervalMs ?? 200, restartAfterPages: options.restartAfterPages ?? 8192 },
    // A checkpoint thread needs little memory and nothing from the environment.
    env: {},
    resourceLimits: { maxOldGenerationSizeMb: 32 },
  });
  let reportedFailure = false;
  worker.on('message', (message: ThreadMessage) => {
    if (message.type === 'failed' && !reportedFailure) {
      reportedFailure = true;
      options.logger?.warn({ path, error: message.message }, 'WAL checkpoint failed; will keep trying');
    } else if (message.type === 'checkpoint') {
      reportedFailure = false;
      if (message.durationMs > 1000) options.logger?.warn({ path, ...message }, 'slow WAL checkpoint (off the event loop)');
    }
  });
  worker.on('error', (error) => options.logger?.error({ err: error, path }, 'WAL checkpoint thread failed; the WAL is no longer checkpointed until restart'));
  let hasExited = false;
  worker.once('exit', () => {
    hasExited = true;
  });
  // The host's lifetime is decided elsewhere; this thread must not keep the process alive. (After the
  // listeners: adding a 'message' listener refs the worker's port again.)
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (hasExited) return resolve();
        worker.ref();
        const finish = (): void => {
          void worker.terminate().then(() => resolve());
        };
        worker.on('message', (message: ThreadMessage) => {
          if (message.type === 'stopped') finish();
        });
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
