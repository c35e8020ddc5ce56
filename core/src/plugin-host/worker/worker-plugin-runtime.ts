import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type ResourceLimits } from 'node:worker_threads';
import { ToolError, type Clock, type PluginIdentity, type ToolCache, type ToolHttpClient, type ToolOutput } from '@acai/plugin-sdk';
import type { Logger } from 'pino';
import type { WorkerIsolation } from '../../config/isolation-modes.js';
import { HostError } from '../../errors/index.js';
import type { PluginRuntime, RuntimeCallContext, RuntimePluginInfo } from '../plugin-runtime.js';
import { createLogThrottle, type LogThrottle } from '../log-throttle.js';
import { restartDelay, type RestartBackoff } from '../restart-delay.js';
import type { Sandbox } from '../sandbox/index.js';
import { isSourceModule, threadEntry, tsxPackageUrl } from '../../threads/thread-entry.js';
import { forwardWorkerOutput } from './forward-worker-output.js';
import { deserializeError, serializeError } from './serialize-error.js';
import type {
  HostMessage,
  LogNotification,
  ServiceRequest,
  SerializedHttpResponse,
  WorkerBootData,
  WorkerMessage,
} from './worker-protocol.js';

/** Host-side services a worker plugin's context proxies to. */
export interface WorkerHostServices {
  /** The plugin's logger; log lines from the worker are written here (with `callId` bound for calls). */
  readonly logger: Logger;
  /** The plugin's namespaced cache. */
  readonly cache: ToolCache;
  /** The host's time source; the worker reads it synchronously. */
  readonly clock: Clock;
  /** Name and version the plugin sees as `context.plugin`. */
  readonly plugin: PluginIdentity;
  /**
   * Makes the host-side HTTP client for one call (or for setup / work outside any call), bound to that
   * signal. HTTP runs host-side so the manifest's host allow-list cannot be bypassed from the worker.
   */
  createHttpClient(signal: AbortSignal, traceparent: string | undefined): ToolHttpClient;
}

/** How a tool's run inside the worker ended, as the worker (not the call path) saw it. */
export type WorkerCallOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * What only the worker knows about a call, for inspections (`acai plugin validate` / `test`) that watch a sandboxed
 * plugin from the host side; serving never needs it. Each call is named by the RuntimeCallContext it was given.
 */
export interface WorkerCallObserver {
  /**
   * The tool stopped running: its answer arrived (also after the caller was answered because the signal fired),
   * the worker died with it, or the call never reached the worker. Once per call.
   */
  readonly settled: (context: RuntimeCallContext, outcome: WorkerCallOutcome) => void;
  /** The tool read `context.signal` inside the worker (reported by the worker, once per call). */
  readonly signalRead: (context: RuntimeCallContext) => void;
}

/** Heap and stack limits of a plugin worker (see node:worker_threads `resourceLimits`). */
export interface WorkerResourceLimits {
  readonly maxOldGenerationSizeMb?: number;
  readonly maxYoungGenerationSizeMb?: number;
  readonly stackSizeMb?: number;
}

/** Options of {@link WorkerPluginRuntime}. */
export interface WorkerPluginRuntimeOptions {
  /** URL of the plugin's entry module (its default export is the plugin). */
  readonly entryUrl: URL | string;
  readonly services: WorkerHostServices;
  /** Default: `{ maxOldGenerationSizeMb: 128 }`. */
  readonly resourceLimits?: WorkerResourceLimits;
  /**
   * A call (or load/setup) still running this long after it started gets its worker terminated
   * and restarted; the call fails with TIMEOUT. Must exceed the call path's own timeout. Default 15 s.
   */
  readonly hardDeadlineMs?: number;
  /** The same for importing the plugin and running its setup (which have their own, longer soft deadline). Default: `hardDeadlineMs`. */
  readonly setupHardDeadlineMs?: number;
  /** Results larger than this (UTF-8 bytes of content + JSON of data) are refused. Default 8 MiB. */
  readonly maxResultBytes?: number;
  /**
   * CPU niceness (1–19) the worker gives itself once the plugin is set up, so a busy plugin yields the
   * CPU to the host's request path (import and setup run at the host's priority, so a busy machine does
   * not starve a start). 0 leaves it at the host's priority. Default 10. Threads are reniced on Linux
   * only (elsewhere it would renice the whole host); child processes everywhere.
   */
  readonly niceness?: number;
  /** Restart backoff after crashes (see restartDelay). */
  readonly restartBackoff?: RestartBackoff;
  /** Lifecycle events (crash, restart, unhandled rejection) for logs, metrics and the admin API. */
  readonly onEvent?: (event: WorkerRuntimeEvent) => void;
  /**
   * `thread` (default): a worker thread, ~10 µs per round trip. `process`: a child process, ~80 µs per
   * round trip, but the only way to contain a single allocation far past the heap limit, which V8
   * answers by aborting the whole process (a worker thread cannot contain that).
   */
  readonly isolation?: WorkerIsolation;
  /**
   * Runs the worker process inside this sandbox (implies `process` isolation). `entryPath` is the compiled
   * plugin-worker.js the sandbox holds (see sandboxedWorkerProgram).
   */
  readonly sandbox?: { readonly sandbox: Sandbox; readonly entryPath: string };
  /** The environment the plugin sees (granted variables only; default: empty). A sandbox brings its own. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Told how each call ended inside the worker and whether its tool read its signal (the worker then reports signal reads). */
  readonly observer?: WorkerCallObserver;
}

/** Why a worker stopped without being asked to. */
export type WorkerCrashReason = 'out-of-memory' | 'hard-deadline' | 'uncaught-exception' | 'exited';

/** Lifecycle events of a worker runtime. */
export type WorkerRuntimeEvent =
  | { readonly type: 'crash'; readonly reason: WorkerCrashReason; readonly message: string }
  | { readonly type: 'restarted'; readonly attempt: number }
  | { readonly type: 'restart-failed'; readonly attempt: number; readonly message: string; readonly retryInMs: number }
  | { readonly type: 'unhandled-rejection'; readonly message: string };

/** Where a worker runtime is in its life. */
export type WorkerRuntimeState = 'idle' | 'starting' | 'ready' | 'backoff' | 'disposed';

/** Counters a worker runtime keeps (for metrics and the admin API). */
export interface WorkerRuntimeStats {
  readonly state: WorkerRuntimeState;
  readonly crashes: number;
  readonly restarts: number;
  readonly unhandledRejections: number;
  readonly lastCrash: string | undefined;
}

/** The hard deadline of a worker plugin's requests when none is configured. */
export const DEFAULT_HARD_DEADLINE_MS = 15_000;
const DEFAULT_MAX_RESULT_BYTES = 8 * 1024 * 1024;
/** Well below the host (0) but not starved: worker plugins still get the CPU whenever the host leaves it idle. */
const DEFAULT_NICENESS = 10;
/** How long a dispose waits, after the process exited, for its output pipes to end (see kill in #spawnProcess). */
const OUTPUT_DRAIN_GRACE_MS = 1_000;
const DEFAULT_RESOURCE_LIMITS: WorkerResourceLimits = { maxOldGenerationSizeMb: 128 };
const DEFAULT_BACKOFF = { initialMs: 100, maxMs: 30_000 };
const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error']);
/** What was running when a hard deadline fired, for the crash message. */
const DEADLINE_SUBJECTS = { load: 'importing the plugin', setup: 'setup', execute: 'a call', dispose: 'dispose' } as const;

interface PendingRequest {
  readonly kind: 'load' | 'setup' | 'execute' | 'dispose';
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly deadline: NodeJS.Timeout | undefined;
  readonly callId: string | undefined;
  readonly toolName: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly traceparent: string | undefined;
  /** The call as the observer knows it (only with an observer). */
  readonly observed: RuntimeCallContext | undefined;
  httpClient: ToolHttpClient | undefined;
  /** The caller already got its answer (it aborted); the worker's late answer is dropped. */
  isSettled: boolean;
}

/** A running worker (thread or child process) and everything that dies with it. */
interface WorkerHandle {
  /** Sends a message; throws when it cannot be serialised. */
  readonly send: (message: HostMessage) => void;
  /** Stops the worker at once. */
  readonly kill: () => Promise<void>;
  /** Frees transport resources after exit. */
  readonly close: () => void;
  readonly pending: Map<number, PendingRequest>;
  /** Set when the host terminates the worker on purpose, so its exit is not a crash. */
  isRetiring: boolean;
  crashReason: WorkerCrashReason | undefined;
  crashMessage: string | undefined;
}

const isSourceMode = isSourceModule(import.meta.url);
const pluginThread = threadEntry(import.meta.url, './plugin-worker');

/**
 * Runs a plugin in its own worker thread: a crash, an endless loop or a memory bomb costs that
 * plugin's worker, never the host. Context services are proxied to the host; HTTP (including the
 * worker's global `fetch`) runs host-side under the plugin's allow-list. Not covered: other network
 * egress from the worker (node:net, node:http) and `process.abort()`, which need a child process.
 */
export class WorkerPluginRuntime implements PluginRuntime {
  readonly mode = 'worker' as const;

  readonly #entryUrl: string;
  readonly #services: WorkerHostServices;
  readonly #resourceLimits: ResourceLimits;
  readonly #hardDeadlineMs: number;
  readonly #setupHardDeadlineMs: number;
  readonly #maxResultBytes: number;
  readonly #niceness: number;
  readonly #backoff: RestartBackoff;
  readonly #onEvent: (event: WorkerRuntimeEvent) => void;
  readonly #isolation: WorkerIsolation;
  readonly #sandbox: WorkerPluginRuntimeOptions['sandbox'];
  readonly #environment: Readonly<Record<string, string>>;
  readonly #observer: WorkerCallObserver | undefined;
  /** Fires on dispose: ends HTTP done outside any call and stops restarts. */
  readonly #lifetime = new AbortController();
  /** What a thread worker prints, as the plugin's log lines. */
  readonly #output: LogThrottle;

  #handle: WorkerHandle | undefined;
  #state: WorkerRuntimeState = 'idle';
  #nextRequestId = 1;
  #info: RuntimePluginInfo | undefined;
  #config: Readonly<Record<string, unknown>> | undefined;
  /** Resolves when a restart finishes (successfully or not); calls arriving meanwhile wait on it. */
  #restarting: Promise<void> | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #consecutiveCrashes = 0;
  #crashes = 0;
  #restarts = 0;
  #unhandledRejections = 0;
  #lastCrash: string | undefined;
  #backoffUntil = 0;

  constructor(options: WorkerPluginRuntimeOptions) {
    this.#entryUrl = String(options.entryUrl);
    this.#services = options.services;
    this.#resourceLimits = { ...DEFAULT_RESOURCE_LIMITS, ...options.resourceLimits };
    this.#hardDeadlineMs = options.hardDeadlineMs ?? DEFAULT_HARD_DEADLINE_MS;
    this.#setupHardDeadlineMs = options.setupHardDeadlineMs ?? this.#hardDeadlineMs;
    this.#maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
    this.#niceness = options.niceness ?? DEFAULT_NICENESS;
    this.#backoff = options.restartBackoff ?? DEFAULT_BACKOFF;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#sandbox = options.sandbox;
    this.#isolation = options.sandbox === undefined ? (options.isolation ?? 'thread') : 'process';
    this.#environment = options.environment ?? {};
    this.#observer = options.observer;
    this.#output = createLogThrottle(this.#services.logger, { source: 'the plugin worker' });
  }

  /** How this plugin is separated from the host. */
  get isolation(): WorkerIsolation {
    return this.#isolation;
  }

  /** The hard deadlines in force: for tool calls, and for import and setup. */
  get hardDeadlines(): { readonly callMs: number; readonly setupMs: number } {
    return { callMs: this.#hardDeadlineMs, setupMs: this.#setupHardDeadlineMs };
  }

  /** True between a crash and the worker's successful restart (the admin API shows it as RESTARTING). */
  get isRestarting(): boolean {
    return this.#restarting !== undefined || this.#state === 'backoff';
  }

    /** Lifecycle state and crash counters. */
  get stats(): WorkerRuntimeStats {
    return {
      state: this.#state,
      crashes: this.#crashes,
      restarts: this.#restarts,
      unhandledRejections: this.#unhandledRejections,
      lastCrash: this.#lastCrash,
    };
  }

  /** Resolves once no restart is in progress (for tests and orderly shutdown). */
  async whenSettled(): Promise<void> {
    while (this.#restarting !== undefined) await this.#restarting;
  }

  async load(): Promise<RuntimePluginInfo> {
    this.#assertNotDisposed();
    if (this.#handle === undefined) this.#handle = this.#spawn();
    const handle = this.#handle;
    this.#state = 'starting';
    try {
      this.#info = (await this.#request(handle, { type: 'load' }, undefined)) as RuntimePluginInfo;
    } catch (error) {
      this.#retire();
      this.#state = 'idle';
      // A slow import is not a broken one: its own code lets the loader try again later.
      if (handle.crashReason === 'hard-deadline') {
        throw new HostError('HOST_PLUGIN_IMPORT_TIMEOUT', `plugin worker was terminated: ${handle.crashMessage ?? 'importing the plugin took too long'} (${this.#entryUrl})`, { cause: error });
      }
      throw new HostError('HOST_PLUGIN_IMPORT_FAILED', `plugin worker could not load ${this.#entryUrl}: ${describe(error)}`, { cause: error });
    }
    return this.#info;
  }

  async setup(config: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<void> {
    this.#assertNotDisposed();
    const handle = this.#handle;
    if (handle === undefined || this.#info === undefined) throw new Error('WorkerPluginRuntime.setup called before load');
    try {
      await this.#request(handle, this.#setupMessage(config), { signal });
    } catch (error) {
      if (handle.crashReason === 'hard-deadline') {
        throw new HostError('HOST_PLUGIN_SETUP_TIMEOUT', `plugin worker was terminated: ${handle.crashMessage ?? 'setup took too long'}`, { cause: error });
      }
      throw new HostError('HOST_PLUGIN_SETUP_FAILED', `plugin ${this.#services.plugin.name} setup failed in its worker: ${describe(error)}`, {
        cause: error,
      });
    }
    this.#config = config;
    this.#state = 'ready';
  }

  async execute(toolName: string, args: unknown, context: RuntimeCallContext): Promise<ToolOutput> {
    let handle: WorkerHandle;
    try {
      context.signal.throwIfAborted();
      // Fast path: a ready worker is used without an extra await.
      handle = this.#state === 'ready' && this.#handle !== undefined ? this.#handle : await this.#readyHandle(context.signal);
    } catch (error) {
      // The tool never ran; an observer waiting for its end must not wait forever.
      this.#observer?.settled(context, { ok: false, error });
      throw error;
    }
    const output = await this.#request(
      handle,
      {
        type: 'execute',
        toolName,
        args,
        callId: context.callId,
        traceparent: context.traceparent,
        ...(this.#isolation === 'process' ? { clockNow: this.#clockNow() } : {}),
      },
      { signal: context.signal, callId: context.callId, traceparent: context.traceparent, observed: context },
    );
    if (this.#consecutiveCrashes > 0) this.#consecutiveCrashes = 0;
    return this.#checkOutput(output);
  }

  async dispose(): Promise<void> {
    if (this.#state === 'disposed') return;
    this.#state = 'disposed';
    this.#lifetime.abort(new ToolError('UPSTREAM_UNAVAILABLE', 'plugin was unloaded'));
    clearTimeout(this.#restartTimer);
    this.#output.flush();
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle === undefined) {
      await this.#sandbox?.sandbox.dispose();
      return;
    }
    if (this.#info !== undefined) {
      try {
        await this.#request(handle, { type: 'dispose' }, { signal: AbortSignal.timeout(Math.min(this.#hardDeadlineMs, 5_000)) });
      } catch (error) {
        this.#services.logger.warn({ err: error }, 'plugin dispose failed in its worker');
      }
    }
    handle.isRetiring = true;
    this.#failPending(handle, new ToolError('UPSTREAM_UNAVAILABLE', 'plugin was unloaded while the call was running'));
    await handle.kill();
    handle.close();
    await this.#sandbox?.sandbox.dispose();
  }

  // --- worker lifecycle ---------------------------------------------------------------------------

  #spawn(): WorkerHandle {
    return this.#isolation === 'process' ? this.#spawnProcess() : this.#spawnThread();
  }

  #newHandle(transport: Pick<WorkerHandle, 'send' | 'kill' | 'close'>): WorkerHandle {
    return { ...transport, pending: new Map(), isRetiring: false, crashReason: undefined, crashMessage: undefined };
  }

  #spawnThread(): WorkerHandle {
    const clockFlag = new SharedArrayBuffer(4);
    const clockChannel = new MessageChannel();
    const bootData: WorkerBootData = {
      entryUrl: this.#entryUrl,
      maxResultBytes: this.#maxResultBytes,
      niceness: this.#niceness,
      ...(this.#observer === undefined ? {} : { reportSignalReads: true }),
      clockFlag,
      clockPort: clockChannel.port2,
    };
    const worker = new Worker(pluginThread.script, {
      workerData: bootData,
      transferList: [clockChannel.port2],
      resourceLimits: this.#resourceLimits,
      // The plugin must not read the host's secrets from the environment (/proc/self/environ still shows them: see docs/sandbox.md).
      env: { ...this.#environment },
      // What it prints comes to the host as streams (below), never straight to the host's stdout.
      stdout: true,
      stderr: true,
      execArgv: [...pluginThread.execArgv],
    });
    forwardWorkerOutput(worker.stdout, 'stdout', this.#output);
    forwardWorkerOutput(worker.stderr, 'stderr', this.#output);
    const handle = this.#newHandle({
      send: (message) => worker.postMessage(message),
      kill: async () => {
        // Held (ref'd) until it is gone: with nothing else running, an unref'd worker's exit would not keep the process alive to finish the dispose.
        worker.ref();
        await worker.terminate();
      },
      close: () => clockChannel.port1.close(),
    });
    const flag = new Int32Array(clockFlag);
    clockChannel.port1.on('message', (sequence: unknown) => {
      clockChannel.port1.postMessage({ sequence, now: this.#clockNow() });
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
    clockChannel.port1.unref();
    worker.on('message', (message: WorkerMessage) => this.#onWorkerMessage(handle, message));
    worker.on('error', (error: Error & { code?: string }) => {
      if (handle.crashReason !== undefined) return;
      handle.crashReason = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out-of-memory' : 'uncaught-exception';
      handle.crashMessage = error.message;
    });
    worker.on('exit', (exitCode) => this.#onWorkerExit(handle, exitCode));
    // A warm idle worker must not keep the host process alive.
    worker.unref();
    return handle;
  }

  #spawnProcess(): WorkerHandle {
    const bootData: WorkerBootData = {
      entryUrl: this.#entryUrl,
      maxResultBytes: this.#maxResultBytes,
      niceness: this.#niceness,
      ...(this.#observer === undefined ? {} : { reportSignalReads: true }),
    };
    const limits = this.#resourceLimits;
    const execArgv = [
      ...(limits.maxOldGenerationSizeMb === undefined ? [] : [`--max-old-space-size=${limits.maxOldGenerationSizeMb}`]),
      ...(limits.maxYoungGenerationSizeMb === undefined ? [] : [`--max-semi-space-size=${Math.max(1, Math.round(limits.maxYoungGenerationSizeMb / 3))}`]),
      ...(limits.stackSizeMb === undefined ? [] : [`--stack-size=${Math.round(limits.stackSizeMb * 1024)}`]),
    ];
    const child = this.#startProcess(execArgv, JSON.stringify(bootData));
    // Nothing the plugin prints reaches the host's stdout (its JSON log stream, or `acai mcp`'s JSON-RPC):
    // both of its streams are pipes whose lines become the plugin's log lines, as a thread worker's do.
    let stderrTail = '';
    if (child.stdout !== null) forwardWorkerOutput(child.stdout, 'stdout', this.#output);
    if (child.stderr !== null) forwardWorkerOutput(child.stderr, 'stderr', this.#output);
    child.stderr?.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4096);
    });
    const handle = this.#newHandle({
      send: (message) => {
        if (!child.connected) throw new Error('plugin process is not connected');
        child.send(message);
      },
      kill: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        // 'close' comes after 'exit' once its stdout and stderr have ended: the plugin's last unterminated
        // line is logged before the dispose finishes, not lost when a host with nothing else to do quits.
        const closed = once(child, 'close').catch(() => {});
        // Held until then (the process and its output pipes), or a host with nothing else running would
        // quit before the dispose finished.
        child.ref();
        const pipes = [child.stdout, child.stderr].filter((stream) => stream !== null);
        for (const stream of pipes) (stream as NodeJS.ReadableStream & { ref?: () => void }).ref?.();
        // In a sandbox this is bwrap: its PID 1 (the worker) dies with it (--die-with-parent), and with
        // that PID 1 every other process of the sandbox's PID namespace.
        child.kill('SIGKILL');
        await exited;
        // A process it left behind outside a sandbox may hold the pipes open: their end is not waited for long.
        const grace = new AbortController();
        await Promise.race([closed, delay(OUTPUT_DRAIN_GRACE_MS, undefined, { signal: grace.signal }).catch(() => {})]);
        grace.abort();
        for (const stream of pipes) stream.destroy();
      },
      close: () => {},
    });
    child.on('message', (message: WorkerMessage) => this.#onWorkerMessage(handle, message));
    child.on('error', (error) => {
      if (handle.crashReason !== undefined) return;
      handle.crashReason = 'uncaught-exception';
      handle.crashMessage = error.message;
    });
    child.on('exit', (exitCode, signal) => {
      if (handle.crashReason === undefined && /heap out of memory|Allocation failed/i.test(stderrTail)) {
        handle.crashReason = 'out-of-memory';
        handle.crashMessage = 'JavaScript heap out of memory';
      }
      this.#onWorkerExit(handle, exitCode ?? (signal === null ? 1 : 128));
    });
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    for (const stream of [child.stdout, child.stderr]) (stream as (NodeJS.ReadableStream & { unref?: () => void }) | null)?.unref?.();
    return handle;
  }

  /** The worker process: in the sandbox (its compiled entry, no TypeScript loader), or a plain child of the host. */
  #startProcess(execArgv: readonly string[], boot: string): ChildProcess {
    const stdio = ['ignore', 'pipe', 'pipe', 'ipc'] as const;
    if (this.#sandbox !== undefined) {
      // Started at the host's priority, so import and setup are not starved on a busy machine; the worker
      // lowers itself once set up, as an unsandboxed one does. The sandbox is in the host's session, whose
      // autogroup is the host's and is never reniced.
      return this.#sandbox.sandbox.spawn(process.execPath, [...execArgv, this.#sandbox.entryPath, boot], { stdio, serialization: 'advanced', niceness: 0 });
    }
    return fork(fileURLToPath(pluginThread.entryUrl), [boot], {
      execArgv: [...execArgv, ...(isSourceMode ? [`--import=${new URL('./dist/loader.mjs', tsxPackageUrl()).href}`, '--conditions=@acai/source'] : [])],
      // The plugin must not read the host's secrets from the environment.
      env: { ...this.#environment },
      serialization: 'advanced',
      stdio: [...stdio],
    });
  }

  #clockNow(): number {
    try {
      return this.#services.clock.now().getTime();
    } catch {
      return Date.now();
    }
  }

  #onWorkerExit(handle: WorkerHandle, exitCode: number): void {
    handle.close();
    if (handle.isRetiring) return;
    const reason = handle.crashReason ?? 'exited';
    const message = handle.crashMessage ?? `worker exited with code ${exitCode}`;
    this.#crashes += 1;
    this.#lastCrash = `${reason}: ${message}`;
    this.#services.logger.error({ reason, exitCode, err: message }, 'plugin worker crashed');
    this.#onEvent({ type: 'crash', reason, message });
    const failure =
      reason === 'hard-deadline' ? new ToolError('TIMEOUT', `plugin worker was terminated: ${message}`) : new ToolError('INTERNAL', `plugin worker crashed (${reason}: ${message})`);
    this.#failPending(handle, failure);
    if (this.#handle === handle) {
      this.#handle = undefined;
      this.#scheduleRestart();
    }
  }

  /** Terminates a worker the host no longer wants (load failure, dispose); its exit is not a crash. */
  #retire(): void {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle === undefined) return;
    handle.isRetiring = true;
    void handle.kill();
  }

  /** Kills a worker that broke its hard deadline; the exit handler then fails its calls and restarts it. */
  #killForDeadline(handle: WorkerHandle, kind: PendingRequest['kind']): void {
    if (handle.crashReason !== undefined || handle.isRetiring) return;
    handle.crashReason = 'hard-deadline';
    // Named after the deadline that fired: import and setup have their own, longer one.
    handle.crashMessage = `${DEADLINE_SUBJECTS[kind]} ran past the ${this.#hardDeadlineFor(kind)} ms ${kind === 'load' || kind === 'setup' ? 'start-up' : kind === 'execute' ? 'call' : 'dispose'} hard deadline`;
    void handle.kill();
  }

  #scheduleRestart(): void {
    // Only a plugin that was set up is restarted; a failure during load/setup is reported to the loader instead.
    if (this.#state === 'disposed' || this.#config === undefined || this.#info === undefined) {
      if (this.#state !== 'disposed') this.#state = 'idle';
      return;
    }
    this.#consecutiveCrashes += 1;
    const attempt = this.#consecutiveCrashes;
    const delay = restartDelay(attempt, this.#backoff);
    this.#state = delay === 0 ? 'starting' : 'backoff';
    this.#backoffUntil = Date.now() + delay;
    this.#restarting = new Promise<void>((resolve) => {
      this.#restartTimer = setTimeout(() => {
        this.#restartTimer = undefined;
        this.#restart(attempt).finally(resolve);
      }, delay);
      this.#restartTimer.unref();
    }).finally(() => {
      this.#restarting = undefined;
    });
  }

  async #restart(attempt: number): Promise<void> {
    if (this.#state === 'disposed' || this.#config === undefined) return;
    this.#state = 'starting';
    const handle = this.#spawn();
    this.#handle = handle;
    try {
      await this.#request(handle, { type: 'load' }, undefined);
      await this.#request(handle, this.#setupMessage(this.#config), { signal: this.#lifetime.signal });
    } catch (error) {
      if (this.#handle !== handle) return;
      this.#handle = undefined;
      handle.isRetiring = true;
      void handle.kill();
      const retryInMs = restartDelay(attempt + 1, this.#backoff);
      this.#onEvent({ type: 'restart-failed', attempt, message: describe(error), retryInMs });
      this.#services.logger.error({ err: error, attempt }, 'plugin worker restart failed');
      this.#scheduleRestart();
      return;
    }
    if (this.#handle !== handle || (this.#state as WorkerRuntimeState) === 'disposed') return;
    this.#state = 'ready';
    this.#restarts += 1;
    this.#onEvent({ type: 'restarted', attempt });
    this.#services.logger.info({ attempt }, 'plugin worker restarted');
  }

  async #readyHandle(signal: AbortSignal): Promise<WorkerHandle> {
    for (;;) {
      this.#assertNotDisposed();
      if (this.#state === 'backoff') {
        const retryInMs = Math.max(0, this.#backoffUntil - Date.now());
        throw new ToolError('UPSTREAM_UNAVAILABLE', `plugin ${this.#services.plugin.name} is restarting after a crash; retry in ${retryInMs} ms`, {
          details: { retryInMs },
        });
      }
      if (this.#restarting !== undefined) {
        await abortable(this.#restarting, signal);
        continue;
      }
      if (this.#handle === undefined || this.#config === undefined) {
        throw new ToolError('UPSTREAM_UNAVAILABLE', `plugin ${this.#services.plugin.name} is not set up`);
      }
      return this.#handle;
    }
  }

  // --- requests -----------------------------------------------------------------------------------

  #setupMessage(config: Readonly<Record<string, unknown>>): Omit<Extract<HostMessage, { type: 'setup' }>, 'id'> {
    const { name, version } = this.#services.plugin;
    return { type: 'setup', config, plugin: { name, version }, timeZone: this.#services.clock.timeZone, clockNow: this.#clockNow() };
  }

  #request(
    handle: WorkerHandle,
    message: DistributiveOmit<Extract<HostMessage, { id: number; type: 'load' | 'setup' | 'execute' | 'dispose' }>, 'id'>,
    call: { signal?: AbortSignal; callId?: string; traceparent?: string | undefined; observed?: RuntimeCallContext } | undefined,
  ): Promise<unknown> {
    const id = this.#nextRequestId++;
    const signal = call?.signal;
    const observed = this.#observer === undefined ? undefined : call?.observed;
    if (signal?.aborted) {
      if (observed !== undefined) this.#observer?.settled(observed, { ok: false, error: signal.reason });
      return Promise.reject(signal.reason);
    }
    return new Promise<unknown>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const cleanup = () => {
        clearTimeout(pending.deadline);
        if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
      };
      // Called once, when the worker answers (even after the caller was answered) or the request dies with it.
      const pending: PendingRequest = {
        kind: message.type,
        resolve: (value) => {
          cleanup();
          if (!pending.isSettled) resolve(value);
          pending.isSettled = true;
          if (observed !== undefined) this.#observer?.settled(observed, { ok: true, value });
        },
        reject: (error) => {
          cleanup();
          if (!pending.isSettled) reject(error);
          pending.isSettled = true;
          if (observed !== undefined) this.#observer?.settled(observed, { ok: false, error });
        },
        deadline: setTimeout(() => this.#killForDeadline(handle, message.type), this.#hardDeadlineFor(message.type)),
        callId: call?.callId,
        toolName: message.type === 'execute' ? message.toolName : undefined,
        signal,
        traceparent: call?.traceparent,
        observed,
        httpClient: undefined,
        isSettled: false,
      };
      if (signal !== undefined) {
        onAbort = () => {
          // Tell the worker (ctx.signal fires there) and answer the caller now; if the plugin ignores
          // the signal, the hard deadline still terminates the worker.
          this.#post(handle, { type: 'abort', id, reason: serializeError(signal.reason) });
          if (!pending.isSettled) {
            pending.isSettled = true;
            reject(signal.reason);
          }
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      handle.pending.set(id, pending);
      this.#post(handle, { ...message, id } as HostMessage);
    });
  }

  #hardDeadlineFor(kind: PendingRequest['kind']): number {
    switch (kind) {
      case 'execute':
        return this.#hardDeadlineMs;
      case 'load':
      case 'setup':
        return this.#setupHardDeadlineMs;
      case 'dispose':
        return Math.min(this.#hardDeadlineMs, 5_000);
    }
  }

  #post(handle: WorkerHandle, message: HostMessage): void {
    try {
      handle.send(message);
    } catch (error) {
      // Arguments or config that cannot be cloned: fail that request only.
      if ('id' in message && message.type !== 'abort' && message.type !== 'service-result') {
        const pending = handle.pending.get(message.id);
        handle.pending.delete(message.id);
        pending?.reject(new ToolError('INVALID_INPUT', `cannot send to the plugin worker: ${describe(error)}`, { cause: error }));
      }
    }
  }

  #failPending(handle: WorkerHandle, error: Error): void {
    const pending = [...handle.pending.values()];
    handle.pending.clear();
    for (const request of pending) request.reject(error);
  }

  #onWorkerMessage(handle: WorkerHandle, message: WorkerMessage): void {
    if (typeof message !== 'object' || message === null) return;
    switch (message.type) {
      case 'response': {
        const pending = handle.pending.get(message.id);
        if (pending === undefined) return;
        handle.pending.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(deserializeError(message.error));
        return;
      }
      case 'service':
        void this.#serve(handle, message);
        return;
      case 'log':
        this.#log(handle, message);
        return;
      case 'signal-read': {
        // Untrusted like every worker message: only a live, observed call of this worker counts.
        const pending = typeof message.id === 'number' ? handle.pending.get(message.id) : undefined;
        if (pending?.observed !== undefined) this.#observer?.signalRead(pending.observed);
        return;
      }
      case 'problem': {
        this.#unhandledRejections += 1;
        const error = deserializeError(message.error);
        this.#services.logger.warn({ err: error }, 'unhandled rejection inside plugin worker (worker kept running)');
        this.#onEvent({ type: 'unhandled-rejection', message: error.message });
        return;
      }
      default:
        return;
    }
  }

  async #serve(handle: WorkerHandle, request: ServiceRequest): Promise<void> {
    let value: unknown;
    try {
      value = await this.#runService(handle, request);
    } catch (error) {
      this.#post(handle, { type: 'service-result', id: request.id, ok: false, error: serializeError(error) });
      return;
    }
    this.#post(handle, { type: 'service-result', id: request.id, ok: true, value });
  }

  async #runService(handle: WorkerHandle, request: ServiceRequest): Promise<unknown> {
    switch (request.service) {
      case 'cache.get':
        return this.#services.cache.get(String(request.key));
      case 'cache.set':
        return this.#services.cache.set(String(request.key), request.value, { ttlSeconds: Number(request.ttlSeconds) });
      case 'cache.delete':
        return this.#services.cache.delete(String(request.key));
      case 'http.fetch': {
        const client = this.#httpClientFor(handle, request.requestId);
        const response = await client.fetch(String(request.url), request.options);
        const headers: Array<[string, string]> = [];
        response.headers.forEach((headerValue, name) => headers.push([name, headerValue]));
        const serialized: SerializedHttpResponse = { status: response.status, ok: response.ok, url: response.url, headers, body: response.text() };
        return serialized;
      }
      default:
        throw new ToolError('INVALID_INPUT', 'unknown context service');
    }
  }

  #httpClientFor(handle: WorkerHandle, requestId: number | undefined): ToolHttpClient {
    const pending = requestId === undefined ? undefined : handle.pending.get(requestId);
    if (pending === undefined || pending.signal === undefined) {
      // Outside any live call (setup, timers, import time): bound to the plugin's lifetime.
      return this.#services.createHttpClient(this.#lifetime.signal, undefined);
    }
    pending.httpClient ??= this.#services.createHttpClient(pending.signal, pending.traceparent);
    return pending.httpClient;
  }

  #log(handle: WorkerHandle, line: LogNotification): void {
    const level = LOG_LEVELS.has(line.level) ? line.level : 'info';
    const request = line.requestId === undefined ? undefined : handle.pending.get(line.requestId);
    const fields = typeof line.fields === 'object' && line.fields !== null ? line.fields : {};
    const text = typeof line.message === 'string' ? line.message : undefined;
    const bound = request?.callId === undefined ? fields : { ...fields, tool: request.toolName, callId: request.callId };
    this.#services.logger[level](bound, text);
  }

  #checkOutput(output: unknown): ToolOutput {
    // The worker measured the result already, but its code shares an isolate with the plugin: check again.
    if (typeof output === 'string') {
      if (output.length > this.#maxResultBytes) throw this.#tooLarge(output.length);
      return output;
    }
    if (typeof output === 'object' && output !== null && typeof (output as { content?: unknown }).content === 'string') {
      const { content, data } = output as { content: string; data?: unknown };
      if (content.length > this.#maxResultBytes) throw this.#tooLarge(content.length);
      return data === undefined ? { content } : { content, data };
    }
    throw new ToolError('INTERNAL', 'plugin worker returned a malformed tool result');
  }

  #tooLarge(size: number): ToolError {
    return new ToolError('INTERNAL', `tool result is over the worker limit of ${this.#maxResultBytes} bytes (${size} characters)`);
  }

  #assertNotDisposed(): void {
    if (this.#state === 'disposed') throw new ToolError('UPSTREAM_UNAVAILABLE', `plugin ${this.#services.plugin.name} was unloaded`);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
