import { InlinePluginRuntime } from '../inline-plugin-runtime.js';
import type { PluginRuntimeFactory } from '../plugin-runtime.js';
import type { WorkerIsolation } from '../../config/isolation-modes.js';
import { DEFAULT_HARD_DEADLINE_MS, WorkerPluginRuntime, type WorkerPluginRuntimeOptions, type WorkerResourceLimits } from './worker-plugin-runtime.js';

/** Host-wide settings of worker-mode plugins. */
export interface PluginRuntimeFactoryOptions {
  /** `thread` (default) or `process`; see {@link WorkerPluginRuntimeOptions.isolation}. */
  readonly isolation?: WorkerIsolation;
  readonly resourceLimits?: WorkerResourceLimits;
  /**
   * Default 15 s. Raised per plugin to its call timeout plus a margin when that is longer (and, for
   * import and setup, to its setup timeout plus the margin), so the hard deadline is always the
   * backstop behind the call path's own timeout, never before it.
   */
  readonly hardDeadlineMs?: number;
  readonly maxResultBytes?: number;
  /** See {@link WorkerPluginRuntimeOptions.niceness}. */
  readonly niceness?: number;
  readonly restartBackoff?: WorkerPluginRuntimeOptions['restartBackoff'];
  /** See {@link WorkerPluginRuntimeOptions.observer} (inspections only). */
  readonly observer?: WorkerPluginRuntimeOptions['observer'];
  /** Receives each worker plugin's lifecycle events (crashes, restarts) with the plugin's name. */
  readonly onWorkerEvent?: (plugin: string, event: Parameters<NonNullable<WorkerPluginRuntimeOptions['onEvent']>>[0]) => void;
}

/** How far a worker's hard deadline stays above the plugin's own call and setup timeouts. */
const HARD_DEADLINE_MARGIN_MS = 1_000;

/**
 * The runtime factory the plugin loader uses: `inline` plugins run in the host's event loop,
 * `worker` plugins in a {@link WorkerPluginRuntime}.
 */
export function createPluginRuntimeFactory(options: PluginRuntimeFactoryOptions = {}): PluginRuntimeFactory {
  return (mode, runtimeOptions) => {
    if (mode === 'inline') {
      if (runtimeOptions.sandbox !== undefined) throw new Error('an inline plugin cannot run in a sandbox');
      return new InlinePluginRuntime(runtimeOptions);
    }
    const pluginName = runtimeOptions.services.plugin.name;
    const onWorkerEvent = options.onWorkerEvent;
    const timeouts = runtimeOptions.timeouts;
    const configuredDeadlineMs = options.hardDeadlineMs ?? DEFAULT_HARD_DEADLINE_MS;
    const hardDeadlineMs = timeouts === undefined ? configuredDeadlineMs : Math.max(configuredDeadlineMs, timeouts.callMs + HARD_DEADLINE_MARGIN_MS);
    const setupHardDeadlineMs = timeouts === undefined ? configuredDeadlineMs : Math.max(configuredDeadlineMs, timeouts.setupMs + HARD_DEADLINE_MARGIN_MS);
    return new WorkerPluginRuntime({
      entryUrl: runtimeOptions.entryUrl,
      services: runtimeOptions.services,
      ...(options.isolation === undefined ? {} : { isolation: options.isolation }),
      ...(runtimeOptions.sandbox === undefined ? {} : { sandbox: runtimeOptions.sandbox }),
      ...(runtimeOptions.environment === undefined ? {} : { environment: runtimeOptions.environment }),
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
      hardDeadlineMs,
      setupHardDeadlineMs,
      ...(options.maxResultBytes === undefined ? {} : { maxResultBytes: options.maxResultBytes }),
      ...(options.niceness === undefined ? {} : { niceness: options.niceness }),
      ...(options.restartBackoff === undefined ? {} : { restartBackoff: options.restartBackoff }),
      ...(options.observer === undefined ? {} : { observer: options.observer }),
      ...(onWorkerEvent === undefined ? {} : { onEvent: (event) => onWorkerEvent(pluginName, event) }),
    });
  };
}
