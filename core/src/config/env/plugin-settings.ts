import { WORKER_ISOLATIONS, type WorkerIsolation } from '../isolation-modes.js';
import type { EnvReader } from './env-reader.js';

/** Reloading the plugin set and isolating worker plugins. */
export interface PluginSettings {
  /** Reload the plugin set when plugins.config.json changes on disk. */
  readonly watchConfig: boolean;
  /** Quiet period after the last change to the file before the reload starts. */
  readonly watchDebounceMs: number;
  /** How long retired plugin instances may take to finish in-flight calls after a reload. */
  readonly reloadDrainMs: number;
  /** Roll back to the previous set when an upgraded plugin trips its breaker this soon after a reload (0 = off). */
  readonly autoRollbackWindowMs: number;
  /** Attempts at starting a plugin whose import, setup or MCP initialize ran out of time (1 = no retry), and the first wait between them (doubling, at most 30 s). */
  readonly startRetry: { readonly maxAttempts: number; readonly backoff: { readonly initialMs: number; readonly maxMs: number } };
  readonly worker: {
    /** `thread` (worker_threads) or `process` (child process: also contains V8 process aborts). */
    readonly isolation: WorkerIsolation;
    /** Old-generation heap limit of each worker plugin. */
    readonly maxHeapMb: number;
    /** A worker still busy with one call this long after it started is terminated and restarted. */
    readonly hardDeadlineMs: number;
    /** CPU niceness of plugin workers (0–19; 0 = the host's priority), so a spinning plugin yields to the request path. */
    readonly niceness: number;
  };
  readonly sandbox: {
    /** bubblewrap's path; undefined: looked for in the usual places (/usr/bin/bwrap, …), never on PATH. */
    readonly bubblewrapPath: string | undefined;
  };
}

/** PLUGINS_WATCH, PLUGINS_WATCH_DEBOUNCE_MS, PLUGINS_RELOAD_DRAIN_MS, PLUGINS_AUTO_ROLLBACK_WINDOW_MS, PLUGIN_START_*, PLUGIN_WORKER_*, PLUGIN_SANDBOX_BWRAP. */
export function readPluginSettings(read: EnvReader): PluginSettings {
  return {
    watchConfig: read.flag('PLUGINS_WATCH', true),
    watchDebounceMs: read.integer('PLUGINS_WATCH_DEBOUNCE_MS', 300, 0, 60_000),
    reloadDrainMs: read.integer('PLUGINS_RELOAD_DRAIN_MS', 60_000, 0, 600_000),
    autoRollbackWindowMs: read.integer('PLUGINS_AUTO_ROLLBACK_WINDOW_MS', 0, 0, 24 * 60 * 60 * 1000),
    startRetry: {
      maxAttempts: read.integer('PLUGIN_START_ATTEMPTS', 4, 1, 100),
      backoff: { initialMs: read.integer('PLUGIN_START_RETRY_DELAY_MS', 1_000, 0, 600_000), maxMs: 30_000 },
    },
    worker: {
      isolation: read.choice('PLUGIN_WORKER_ISOLATION', WORKER_ISOLATIONS, 'thread'),
      maxHeapMb: read.integer('PLUGIN_WORKER_MAX_HEAP_MB', 128, 16, 16_384),
      hardDeadlineMs: read.integer('PLUGIN_WORKER_HARD_DEADLINE_MS', 15_000, 100, 600_000),
      niceness: read.integer('PLUGIN_WORKER_NICE', 10, 0, 19),
    },
    sandbox: { bubblewrapPath: read.path('PLUGIN_SANDBOX_BWRAP') },
  };
}
