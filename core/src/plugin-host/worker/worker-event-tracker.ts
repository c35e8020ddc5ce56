import type { WorkerRuntimeEvent } from './worker-plugin-runtime.js';

/** What the tracker knows about one worker or MCP-server plugin (across reloads, by plugin name). */
export interface WorkerHealth {
  readonly crashes: number;
  readonly restarts: number;
  readonly unhandledRejections: number;
  /** True between a crash and the worker's successful restart. */
  readonly isRestarting: boolean;
  readonly lastCrash: { readonly message: string; readonly at: Date } | undefined;
}

/**
 * Collects worker lifecycle events per plugin name for the admin API and status listings
 * (pass `record` as `createPluginRuntimeFactory({ onWorkerEvent })`). MCP server exits and restarts
 * are recorded here too, as crashes and restarts.
 */
export class WorkerEventTracker {
  readonly #health = new Map<string, WorkerHealth>();
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  readonly record = (plugin: string, event: WorkerRuntimeEvent): void => {
    const current = this.get(plugin);
    switch (event.type) {
      case 'crash':
        this.#health.set(plugin, { ...current, crashes: current.crashes + 1, isRestarting: true, lastCrash: { message: `${event.reason}: ${event.message}`, at: this.#now() } });
        return;
      case 'restarted':
        this.#health.set(plugin, { ...current, restarts: current.restarts + 1, isRestarting: false });
        return;
      case 'restart-failed':
        this.#health.set(plugin, { ...current, isRestarting: true, lastCrash: { message: `restart failed: ${event.message}`, at: this.#now() } });
        return;
      case 'unhandled-rejection':
        this.#health.set(plugin, { ...current, unhandledRejections: current.unhandledRejections + 1 });
        return;
    }
  };

  get(plugin: string): WorkerHealth {
    return this.#health.get(plugin) ?? { crashes: 0, restarts: 0, unhandledRejections: 0, isRestarting: false, lastCrash: undefined };
  }
}
