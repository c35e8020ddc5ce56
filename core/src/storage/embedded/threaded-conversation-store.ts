import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { HostError } from '../../errors/index.js';
import { threadEntry } from '../../threads/thread-entry.js';
import type { ConversationStore } from '../conversation-store.js';
import { storeUnavailable } from '../store-unavailable.js';
import { fromThreadError, toThreadError, type FromThread, type StoreThreadOptions, type ThreadAnswer, type ThreadCall, type ThreadMethod, type ToThread } from './store-thread-protocol.js';
import { Batcher } from './turn-batcher.js';

// Why a thread: on the chat path the embedded store was a quarter of the event loop's CPU per turn
// (bench:capacity's split: SQLite 0.26–0.36 ms of 1.1–1.6 ms), and every request, a refusal included,
// waits for the loop iteration in progress. Here the loop only posts each call and reads its answer
// (~10–40 µs a round trip), and SQLite, its group commit and its checkpoint handshake run on a thread
// of their own, on the machine's other core when one is free. The semantics are the embedded store's:
// calls are served in the order they were made, writes of one batch share a commit, and "now" is
// the host's clock at the call.

/** Options of {@link ThreadedConversationStore}: those of EmbeddedConversationStore. */
export interface ThreadedConversationStoreOptions {
  /** Folder for the database file (created when missing). */
  readonly dataDir: string;
  /** File name inside `dataDir` (default `acai.db`). */
  readonly fileName?: string;
  readonly logger?: Logger;
  /** Injectable clock: each call carries its reading to the thread. */
  readonly now?: () => Date;
  /** Checkpoint the WAL from a thread of its own (see EmbeddedConversationStoreOptions). */
  readonly backgroundCheckpoints?: boolean;
  /** Hears each store thread started (tests, diagnostics). */
  readonly onThreadStart?: (thread: Worker) => void;
}

const storeThread = threadEntry(import.meta.url, './store-thread');
/** The thread's young generation (V8 sizes it as three semi-spaces). */
const YOUNG_GENERATION_MB = 6;
/** After a thread failed to start, calls fail at once for this long instead of starting one each. */
const RESTART_PAUSE_MS = 1_000;

interface PendingCall {
  readonly method: ThreadMethod;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** One running store thread and the calls waiting for its answers. */
class StoreThread {
  readonly ready: Promise<void>;
  readonly worker: Worker;
  readonly #pending = new Map<number, PendingCall>();
  readonly #exited: Promise<void>;
  readonly #calls = new Batcher<ThreadCall>((calls) => this.#post(calls));
  #nextId = 0;
  #hasExited = false;
  #isClosing = false;

  constructor(options: StoreThreadOptions, logger: Logger | undefined, onCrash: () => void) {
    this.worker = new Worker(storeThread.script, {
      workerData: options,
      execArgv: [...storeThread.execArgv],
      // What the thread allocates lives for one call (rows, their JSON, the answers' copies), so a small
      // young generation keeps its memory small at no cost: V8's default of 16 MB semi-spaces per
      // isolate cost the host ~40 MB of RSS (bench:capacity). The old generation stays unbounded: a
      // large read must not end the thread.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    let settleReady: { resolve: () => void; reject: (error: unknown) => void } | undefined;
    this.ready = new Promise((resolve, reject) => {
      settleReady = { resolve, reject };
    });
    this.worker.on('message', (message: FromThread) => {
      switch (message.type) {
        case 'ready':
          if (this.#pending.size === 0) this.worker.unref();
          settleReady?.resolve();
          break;
        case 'failed':
          settleReady?.reject(fromThreadError(message.error));
          break;
        case 'answers':
          for (const answer of message.answers) this.#settle(answer);
          break;
        case 'log':
          relayLogLine(logger, message.line);
          break;
      }
    });
    this.worker.on('error', (error) => logger?.error({ err: error }, 'embedded store thread failed'));
    this.#exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.#hasExited = true;
        const failure = new Error(`embedded store thread exited (code ${code})`);
        settleReady?.reject(storeUnavailable('init', failure));
        for (const call of this.#pending.values()) call.reject(storeUnavailable(call.method, failure));
        this.#pending.clear();
        if (!this.#isClosing) {
          logger?.error({ code }, 'embedded store thread exited; the next store call starts a new one');
          onCrash();
        }
        resolve();
      });
    });
    // Idle, the thread must not keep the process alive; while it starts, and while a call is in progress,
    // it does (a process awaiting either would otherwise end with the await unsettled).
  }

  call(method: ThreadMethod, args: readonly unknown[], at: number): Promise<unknown> {
    if (this.#hasExited || this.#isClosing) return Promise.reject(storeUnavailable(method, new Error('embedded store thread is not running')));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.worker.ref();
      this.#pending.set(id, { method, resolve, reject });
      this.#calls.add({ id, method, args, at });
    });
  }

  /**
   * Posts a batch of calls. A batch structured clone refuses goes again one call at a time, so only the
   * call whose arguments cannot cross (a function, a symbol: the caller's mistake) fails, like a store failure.
   */
  #post(calls: readonly ThreadCall[]): void {
    try {
      this.worker.postMessage({ type: 'calls', calls } satisfies ToThread);
    } catch (error) {
      if (calls.length === 1) this.#settle({ id: calls[0]!.id, error: toThreadError(calls[0]!.method, error) });
      else for (const call of calls) this.#post([call]);
    }
  }

  #settle(answer: ThreadAnswer): void {
    const call = this.#pending.get(answer.id);
    if (call === undefined) return;
    this.#pending.delete(answer.id);
    if (this.#pending.size === 0) this.worker.unref();
    if ('error' in answer) call.reject(fromThreadError(answer.error));
    else call.resolve(answer.value);
  }

  /** Lets the calls already sent finish, closes the store (its writes commit) and waits for the thread to end. */
  async close(): Promise<void> {
    if (!this.#isClosing && !this.#hasExited) {
      this.#isClosing = true;
      this.worker.ref();
      this.#calls.flush();
      this.worker.postMessage({ type: 'close' } satisfies ToThread);
    }
    await this.#exited;
  }
}

/** Writes one JSON line of the thread's pino logger through the host's logger. */
function relayLogLine(logger: Logger | undefined, line: string): void {
  if (logger === undefined) return;
  try {
    const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg?: string } & Record<string, unknown>;
    const label = logger.levels.labels[level] ?? 'info';
    (logger[label as 'info'] ?? logger.info).call(logger, fields, msg ?? '');
  } catch {
    logger.warn({ line: line.slice(0, 500) }, 'unreadable log line from the embedded store thread');
  }
}

/**
 * The embedded store (EmbeddedConversationStore, one SQLite file) run on a worker thread of its own;
 * what the host uses with EMBEDDED_STORE_THREAD=true and no MONGODB_URL. Same contract; a thread that dies fails the calls in
 * progress with HOST_STORE_UNAVAILABLE, and the next call starts a new one.
 */
export class ThreadedConversationStore implements ConversationStore {
  readonly kind = 'embedded' as const;
  /** Absolute or relative path of the database file. */
  readonly path: string;
  readonly #threadOptions: StoreThreadOptions;
  readonly #logger: Logger | undefined;
  readonly #now: () => Date;
  readonly #onThreadStart: ((thread: Worker) => void) | undefined;
  #thread: StoreThread | undefined;
  #isOpen = false;
  #startFailure: { readonly at: number; readonly error: unknown } | undefined;

  constructor(options: ThreadedConversationStoreOptions) {
    this.path = join(options.dataDir, options.fileName ?? 'acai.db');
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
    this.#onThreadStart = options.onThreadStart;
    this.#threadOptions = {
      dataDir: options.dataDir,
      ...(options.fileName === undefined ? {} : { fileName: options.fileName }),
      backgroundCheckpoints: options.backgroundCheckpoints ?? false,
      logLevel: options.logger?.level ?? 'silent',
    };
  }

  async init(): Promise<void> {
    if (this.#isOpen) return;
    await this.#start();
    this.#isOpen = true;
  }

  // Each method forwards its arguments as they are; the interface gives their types.
  create(...args: Parameters<ConversationStore['create']>) {
    return this.#call('create', args);
  }

  get(...args: Parameters<ConversationStore['get']>) {
    return this.#call('get', args);
  }

  append(...args: Parameters<ConversationStore['append']>) {
    return this.#call('append', args);
  }

  setTitle(...args: Parameters<ConversationStore['setTitle']>) {
    return this.#call('setTitle', args);
  }

  setSummary(...args: Parameters<ConversationStore['setSummary']>) {
    return this.#call('setSummary', args);
  }

  list(...args: Parameters<ConversationStore['list']>) {
    return this.#call('list', args);
  }

  search(...args: Parameters<ConversationStore['search']>) {
    return this.#call('search', args);
  }

  remove(...args: Parameters<ConversationStore['remove']>) {
    return this.#call('remove', args);
  }

  replaceLastMessage(...args: Parameters<ConversationStore['replaceLastMessage']>) {
    return this.#call('replaceLastMessage', args);
  }

  listUntouched(...args: Parameters<ConversationStore['listUntouched']>) {
    return this.#call('listUntouched', args);
  }

  findLatestForSession(...args: Parameters<ConversationStore['findLatestForSession']>) {
    return this.#call('findLatestForSession', args);
  }

  findByToolProvenance(...args: Parameters<ConversationStore['findByToolProvenance']>) {
    return this.#call('findByToolProvenance', args);
  }

  ping() {
    return this.#call('ping', []);
  }

  async close(): Promise<void> {
    this.#isOpen = false;
    const thread = this.#thread;
    this.#thread = undefined;
    await thread?.close();
  }

  async #call<M extends ThreadMethod>(method: M, args: Parameters<ConversationStore[M]>): Promise<Awaited<ReturnType<ConversationStore[M]>>> {
    if (!this.#isOpen) throw new HostError('HOST_STORE_UNAVAILABLE', 'embedded conversation store is not open (call init() first)');
    const at = this.#now().getTime();
    const thread = this.#thread ?? (await this.#restart(method));
    // The thread answers with what the same method of EmbeddedConversationStore returned.
    return (await thread.call(method, args, at)) as Awaited<ReturnType<ConversationStore[M]>>;
  }

  /** A thread for a call after the last one died: a new one, unless one failed to start within RESTART_PAUSE_MS. */
  async #restart(method: ThreadMethod): Promise<StoreThread> {
    const failure = this.#startFailure;
    if (failure !== undefined && Date.now() - failure.at < RESTART_PAUSE_MS) throw storeUnavailable(method, failure.error);
    return this.#start();
  }

  #start(): Promise<StoreThread> {
    const thread = new StoreThread(this.#threadOptions, this.#logger, () => {
      if (this.#thread === thread) this.#thread = undefined;
    });
    this.#thread = thread;
    this.#onThreadStart?.(thread.worker);
    return thread.ready.then(
      () => {
        this.#startFailure = undefined;
        return thread;
      },
      async (error: unknown) => {
        if (this.#thread === thread) this.#thread = undefined;
        this.#startFailure = { at: Date.now(), error };
        await thread.close();
        throw error;
      },
    );
  }
}
