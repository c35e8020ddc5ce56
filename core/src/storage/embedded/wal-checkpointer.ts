import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { CHECKPOINT_SIDE_SOURCE, type CheckpointHandshake } from './checkpoint-handshake.js';

// Why a thread: SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold, on the
// connection that committed — here, the event loop — and with synchronous=NORMAL it ends with fsync of
// the WAL and the database. On a busy disk that is tens to hundreds of milliseconds during which no
// request makes progress (bench:capacity measured 7–77 ms per checkpoint with ~1 ms of it CPU). The
// store's own connection turns automatic checkpoints off; this thread checkpoints with its own
// connection instead. PASSIVE checkpoints never block the store's readers or writer. Under sustained
// writes a PASSIVE checkpoint may never catch up with the newest frame, and SQLite only rewinds the WAL
// once everything was copied, so past `restartAfterPages` the thread asks for one RESTART checkpoint,
// which holds new writers back only for that copy; with a handshake (checkpoint-handshake.ts) the
// store's writes wait for it as promises rather than in SQLite's busy handler on the event loop. The
// RESTART rewinds the WAL, so the next checkpoint is PASSIVE again.

/** Tunables of {@link startWalCheckpointer}. */
export interface WalCheckpointerOptions {
  /** Time between checkpoints (default 200 ms). */
  readonly intervalMs?: number;
  /** WAL size in pages after which the next checkpoint is a RESTART (default 8,192: 32 MiB of 4 KiB pages). */
  readonly restartAfterPages?: number;
  readonly logger?: Logger | undefined;
  /** Shared with the store's writes: each RESTART takes it first (see checkpoint-handshake.ts). */
  readonly handshake?: CheckpointHandshake;
  /** Hears every checkpoint the thread reports (tests, diagnostics). */
  readonly onCheckpoint?: (report: CheckpointReport) => void;
}

/** A running checkpoint thread. */
export interface WalCheckpointer {
  /** Checkpoints once more and ends the thread. */
  stop(): Promise<void>;
}

/** What the thread reports after each checkpoint (having let go of the handshake first). */
export interface CheckpointReport {
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
${CHECKPOINT_SIDE_SOURCE}
const database = new Database(workerData.path, { fileMustExist: true });
database.pragma('busy_timeout = 5000');
let mode = 'PASSIVE';
let lastLog = 0;
function checkpoint() {
  const started = performance.now();
  const holds = mode === 'RESTART' && workerData.handshake !== undefined;
  let report;
  try {
    if (holds) holdWrites(workerData.handshake);
    const [result] = database.pragma('wal_checkpoint(' + mode + ')');
    report = { type: 'checkpoint', mode, log: result.log, checkpointed: result.checkpointed, durationMs: performance.now() - started };
    // A RESTART that was not kept waiting makes the next write rewind the WAL; until somebody writes,
    // the log it and later checkpoints report is the old one: only a log that grew needs another.
    const rewinds = mode === 'RESTART' && result.busy === 0;
    mode = result.log > workerData.restartAfterPages && result.log > lastLog && !rewinds ? 'RESTART' : 'PASSIVE';
    lastLog = result.log;
  } catch (error) {
    report = { type: 'failed', message: String((error && error.message) || error) };
  } finally {
    if (holds) releaseWrites(workerData.handshake);
  }
  parentPort.postMessage(report);
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
    workerData: {
      path,
      driverPath,
      intervalMs: options.intervalMs ?? 200,
      restartAfterPages: options.restartAfterPages ?? 8192,
      handshake: options.handshake?.buffer,
    },
    // A checkpoint thread needs little memory and nothing from the environment.
    env: {},
    resourceLimits: { maxOldGenerationSizeMb: 32 },
  });
  let reportedFailure = false;
  const { handshake } = options;
  worker.on('message', (message: ThreadMessage) => {
    if (message.type !== 'stopped') handshake?.released();
    if (message.type === 'failed' && !reportedFailure) {
      reportedFailure = true;
      options.logger?.warn({ path, error: message.message }, 'WAL checkpoint failed; will keep trying');
    } else if (message.type === 'checkpoint') {
      reportedFailure = false;
      options.onCheckpoint?.(message);
      if (message.durationMs > 1000) options.logger?.warn({ path, ...message }, 'slow WAL checkpoint (off the event loop)');
    }
  });
  worker.on('error', (error) => options.logger?.error({ err: error, path }, 'WAL checkpoint thread failed; the WAL is no longer checkpointed until restart'));
  let hasExited = false;
  worker.once('exit', () => {
    hasExited = true;
    handshake?.threadEnded();
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
