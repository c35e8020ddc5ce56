import { InlinePluginRuntime } from '../inline-plugin-runtime.js';
import type { PluginRuntimeFactory } from '../plugin-runtime.js';
import { WorkerPluginRuntime, type WorkerIsolation, type WorkerPluginRuntimeOptions, type WorkerResourceLimits } from './worker-plugin-runtime.js';

/** Host-wide settings of worker-mode plugins. */
export interface PluginRuntimeFactoryOptions {
  /** `thread` (default) or `process`; see {@link WorkerPluginRuntimeOptions.isolation}. */
  readonly isolation?: WorkerIsolation;
  readonly resourceLimits?: WorkerResourceLimits;
  /** Default 15 s; keep it above every plugin's call timeout. */
  readonly hardDeadlineMs?: number;
  readonly maxResultBytes?: number;
  readonly restartBackoff?: WorkerPluginRuntimeOptions['restartBackoff'];
  /** Receives each worker plugin's lifecycle events (crashes, restarts) with the plugin's name. */
  readonly onWorkerEvent?: (plugin: string, event: Parameters<NonNullable<WorkerPluginRuntimeOptions['onEvent']>>[0]) => void;
}

/**
 * The runtime factory the plugin loader uses: `inline` plugins run in the host's event loop,
 * `worker` plugins in a {@link WorkerPluginRuntime}.
 */
export function createPluginRuntimeFactory(options: PluginRuntimeFactoryOptions = {}): PluginRuntimeFactory {
  return (mode, runtimeOptions) => {
    if (mode === 'inline') return new InlinePluginRuntime(runtimeOptions);
    const pluginName = runtimeOptions.services.plugin.name;
    const onWorkerEvent = options.onWorkerEvent;
    return new WorkerPluginRuntime({
      entryUrl: runtimeOptions.entryUrl,
      services: runtimeOptions.services,
      ...(options.isolation === undefined ? {} : { isolation: options.isolation }),
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
      ...(options.hardDeadlineMs === undefined ? {} : { hardDeadlineMs: options.hardDeadlineMs }),
      ...(options.maxResultBytes === undefined ? {} : { maxResultBytes: options.maxResultBytes }),
      ...(options.restartBackoff === undefined ? {} : { restartBackoff: options.restartBackoff }),
      ...(onWorkerEvent === undefined ? {} : { onEvent: (event) => onWorkerEvent(pluginName, event) }),
    });
  };
}
