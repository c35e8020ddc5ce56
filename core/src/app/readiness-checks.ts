import type { KeyValueStore } from '../cache/index.js';
import type { HostConfig } from '../config/env-config.js';
import { modelConfiguredCheck, pingCheck, stateCheck, type HealthCheck, type HealthCheckResult } from '../health/index.js';
import type { PluginStatus } from '../plugin-host/index.js';
import type { ConversationStore } from '../storage/index.js';

/** The stores as far as probing them goes. */
export interface ProbedStores {
  readonly store: Pick<ConversationStore, 'kind' | 'ping'>;
  readonly keyValueStore: Pick<KeyValueStore, 'kind' | 'ping'>;
}

/** The plugin set as far as describing it goes (the reloadable plugin host fits). */
export interface ProbedPluginSet {
  readonly generation: number;
  listPlugins(): ReadonlyArray<Pick<PluginStatus, 'name' | 'state' | 'isRestarting' | 'startAttempts' | 'sandbox'>>;
}

/**
 * What `/readyz` asks: the conversation store is critical; Redis down with the store up is only
 * "degraded", because sessions fall back to the store; failed or restarting plugins degrade; and whether
 * a model endpoint is configured at all.
 */
export function readinessChecks(config: HostConfig, stores: ProbedStores, pluginHost: ProbedPluginSet): HealthCheck[] {
  const { store, keyValueStore } = stores;
  return [
    pingCheck(store.kind === 'mongodb' ? 'mongodb' : 'store', () => store.ping(), { critical: true }),
    pingCheck(keyValueStore.kind === 'redis' ? 'redis' : 'cache', () => keyValueStore.ping(), { critical: false }),
    // Read on every probe, so it always describes the generation serving now.
    stateCheck('plugins', true, () => describePluginSet(pluginHost)),
    modelConfiguredCheck(config.model.isConfigured),
  ];
}

/**
 * The plugin set as a readiness state: ok while every plugin is loaded and none is restarting or still starting. Plugins an
 * operator runs without a sandbox (`"sandbox": "none"`) are named in the message whatever the state: a
 * deliberate choice does not make the host unready, but nobody should forget it.
 */
export function describePluginSet(pluginHost: ProbedPluginSet): HealthCheckResult {
  const plugins = pluginHost.listPlugins();
  const failed = plugins.filter((plugin) => plugin.state === 'failed');
  const restarting = plugins.filter((plugin) => plugin.state === 'loaded' && plugin.isRestarting === true);
  const starting = plugins.filter((plugin) => plugin.state === 'starting');
  const loaded = plugins.filter((plugin) => plugin.state === 'loaded').length;
  const unsandboxed = plugins.filter((plugin) => plugin.state === 'loaded' && plugin.sandbox?.kind === 'none' && plugin.sandbox.exemption === 'opted-out');
  const summary =
    `${loaded} plugin(s) loaded (generation ${pluginHost.generation})` +
    (unsandboxed.length > 0 ? `; WITHOUT a sandbox by operator choice: ${unsandboxed.map((plugin) => plugin.name).join(', ')}` : '');
  const problems = [
    ...(failed.length > 0 ? [`failed: ${failed.map((plugin) => plugin.name).join(', ')}`] : []),
    ...(restarting.length > 0 ? [`restarting: ${restarting.map((plugin) => plugin.name).join(', ')}`] : []),
    ...(starting.length > 0 ? [`starting: ${starting.map((plugin) => `${plugin.name} (attempt ${plugin.startAttempts.made} of ${plugin.startAttempts.max} timed out)`).join(', ')}`] : []),
  ];
  return problems.length === 0 ? { state: 'ok', message: summary } : { state: 'degraded', message: `${summary}; ${problems.join('; ')}` };
}
