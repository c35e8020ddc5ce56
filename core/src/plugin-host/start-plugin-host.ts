import { join } from 'node:path';
import type { WorkerIsolation } from '../config/isolation-modes.js';
import type { PluginsConfig } from '../config/plugins-config.js';
import { loadPluginHost, type LoadPluginHostOptions } from './load-plugin-host.js';
import { createMcpMetrics, type McpServerEvent } from './mcp/index.js';
import { ReloadablePluginHost, type ReloadableStartOptions, type ReloadThrottleOptions } from './reload/index.js';
import { ToolSchemaLedger } from './tool-schema-changes.js';
import type { PluginRuntimeFactory } from './plugin-runtime.js';
import {
  createPluginRuntimeFactory,
  createWorkerMetrics,
  WorkerEventTracker,
  type PluginRuntimeFactoryOptions,
  type WorkerRuntimeEvent,
} from './worker/index.js';

/** Host-wide settings of worker-mode plugins. */
export interface WorkerSettings {
  readonly isolation: WorkerIsolation;
  /** Old-generation heap limit of each worker. */
  readonly maxHeapMb: number;
  /** Floor of the per-plugin hard deadline (raised above a plugin's own call and setup timeouts). */
  readonly hardDeadlineMs: number;
  /** CPU niceness of worker plugins and stdio MCP servers (0 = the host's priority). */
  readonly niceness: number;
}

/** Options of {@link startPluginHost}: the loader's fixed inputs plus isolation and reload settings. */
export interface StartPluginHostOptions extends Omit<LoadPluginHostOptions, 'config' | 'configDir' | 'runtimeFactory'> {
  /** The first plugin set's config (already read and validated at boot). */
  readonly initialConfig: PluginsConfig;
  /** Reads and validates plugins.config.json anew for each reload. */
  readonly readConfig: () => Promise<PluginsConfig>;
  readonly worker: WorkerSettings;
  /** How long retired instances may take to finish their in-flight calls after a reload. */
  readonly maxDrainMs: number;
  /** Roll back when an upgraded plugin trips its breaker this soon after a reload; 0 turns it off. */
  readonly autoRollbackWindowMs: number;
  /** Spacing of the reloads MCP servers ask for when their tools change (default: 1 s debounce, 10 s apart). */
  readonly toolsChangedReload?: ReloadThrottleOptions;
  /** Operator overrides and start-up drift for the first set (see ReloadablePluginHost.start). */
  readonly start?: ReloadableStartOptions;
}

/** The running plugin host and what the admin API reads besides it. */
export interface StartedPluginHost {
  readonly host: ReloadablePluginHost;
  /** Crash and restart counts of worker and MCP-server plugins, by plugin name (kept across reloads). */
  readonly workerEvents: WorkerEventTracker;
}

/**
 * The runtime factory for a host's settings: `inline` entries in the event loop, `worker` entries in
 * workers with the host's heap limit, hard deadline and niceness. The CLI loads plugins with it too,
 * so a worker-mode plugin is never run unisolated outside the host (its plugin checks add an `observer`).
 */
export function createHostRuntimeFactory(
  worker: WorkerSettings,
  onWorkerEvent?: PluginRuntimeFactoryOptions['onWorkerEvent'],
  observer?: PluginRuntimeFactoryOptions['observer'],
): PluginRuntimeFactory {
  return createPluginRuntimeFactory({
    isolation: worker.isolation,
    resourceLimits: { maxOldGenerationSizeMb: worker.maxHeapMb },
    hardDeadlineMs: worker.hardDeadlineMs,
    niceness: worker.niceness,
    ...(onWorkerEvent === undefined ? {} : { onWorkerEvent }),
    ...(observer === undefined ? {} : { observer }),
  });
}

/**
 * Loads the first plugin set and returns it as a {@link ReloadablePluginHost}: every set (the first
 * and each reload's) is loaded by the real loader with one runtime factory, so each plugin runs in the
 * mode its plugins.config.json entry names, and worker crashes and MCP server exits land in one tracker
 * and their metrics. An MCP server whose tools changed asks for a (throttled) reload of the set.
 */
export async function startPluginHost(options: StartPluginHostOptions): Promise<StartedPluginHost> {
  const { initialConfig, readConfig, worker, maxDrainMs, autoRollbackWindowMs, toolsChangedReload, mcp, start, ...loaderOptions } = options;
  const workerEvents = new WorkerEventTracker();
  const workerMetrics = createWorkerMetrics(options.metricsRegistry);
  const mcpMetrics = createMcpMetrics(options.metricsRegistry);
  const runtimeFactory = createHostRuntimeFactory(worker, (plugin, event) => {
    workerEvents.record(plugin, event);
    workerMetrics.record(plugin, event);
  });
  // Assigned once the first set is serving; a change announced while it loads is already in what it lists.
  let reloadable: ReloadablePluginHost | undefined;
  const onMcpEvent = (plugin: string, event: McpServerEvent): void => {
    mcpMetrics.record(plugin, event);
    const lifecycle = toLifecycleEvent(event);
    if (lifecycle !== undefined) workerEvents.record(plugin, lifecycle);
    if (event.type === 'tools-changed') reloadable?.requestToolsReload(plugin);
    mcp?.onEvent?.(plugin, event);
  };
  const host = await ReloadablePluginHost.start(
    {
      readConfig,
      loadSet: (config, releaseBaseline) =>
        loadPluginHost({ ...loaderOptions, config, configDir: config.dir, runtimeFactory, releaseBaseline, mcp: { niceness: worker.niceness, ...mcp, onEvent: onMcpEvent } }),
      logger: options.logger,
      metricsRegistry: options.metricsRegistry,
      maxDrainMs,
      schemaLedger: new ToolSchemaLedger(join(options.dataDir, 'tool-schemas.json')),
      ...(autoRollbackWindowMs > 0 ? { autoRollback: { windowMs: autoRollbackWindowMs } } : {}),
      ...(toolsChangedReload === undefined ? {} : { toolsChangedReload }),
    },
    initialConfig,
    start,
  );
  reloadable = host;
  return { host, workerEvents };
}

/** An MCP server's exit and restarts, in the tracker's terms (an exit counts as a crash). */
function toLifecycleEvent(event: McpServerEvent): WorkerRuntimeEvent | undefined {
  switch (event.type) {
    case 'exited':
      return { type: 'crash', reason: 'exited', message: event.message };
    case 'restarted':
    case 'restart-failed':
      return event;
    default:
      return undefined;
  }
}
