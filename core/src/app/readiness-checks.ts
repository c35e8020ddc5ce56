import type { KeyValueStore } from '../cache/index.js';
import type { HostConfig } from '../config/env-config.js';
import type { ModelCredentialHealth } from '../llm/index.js';
import { modelConfiguredCheck, pingCheck, stateCheck, type HealthCheck, type HealthCheckResult } from '../health/index.js';
import type { PluginStatus } from '../plugin-host/index.js';
import type { ConfigDrift } from '../plugin-host/reload/index.js';
import type { ConversationStore } from '../storage/index.js';

/** The stores as far as probing them goes. */
export interface ProbedStores {
  readonly store: Pick<ConversationStore, 'kind' | 'ping'>;
  readonly keyValueStore: Pick<KeyValueStore, 'kind' | 'ping'>;
}

/** The plugin set as far as describing it goes (the reloadable plugin host fits). */
export interface ProbedPluginSet {
  readonly generation: number;
  /** Set while plugins.config.json is refused and an older config serves. */
  readonly drift?: ConfigDrift | undefined;
  listPlugins(): ReadonlyArray<Pick<PluginStatus, 'name' | 'state' | 'isRestarting' | 'startAttempts' | 'sandbox'> & Partial<Pick<PluginStatus, 'version' | 'refusedRelease'>>>;
}

/**
 * What `/readyz` asks: the conversation store is critical; Redis down with the store up is only
 * "degraded", because sessions fall back to the store; failed or restarting plugins degrade; and whether
 * a model endpoint is configured at all and the provider did not reject its key on the latest call.
 */
export function readinessChecks(config: HostConfig, stores: ProbedStores, pluginHost: ProbedPluginSet, modelCredentials?: Pick<ModelCredentialHealth, 'verdict'>): HealthCheck[] {
  const { store, keyValueStore } = stores;
  return [
    pingCheck(store.kind === 'mongodb' ? 'mongodb' : 'store', () => store.ping(), { critical: true }),
    pingCheck(keyValueStore.kind === 'redis' ? 'redis' : 'cache', () => keyValueStore.ping(), { critical: false }),
    // Read on every probe, so it always describes the generation serving now.
    stateCheck('plugins', true, () => describePluginSet(pluginHost)),
    modelConfiguredCheck(config.model.isConfigured, () => describeModelCredentials(modelCredentials)),
  ];
}

/**
 * The plugin set as a readiness state: ok while every plugin is loaded, none is restarting or still starting, none
 * serves an older release than configured, and the file on disk is what serves (a refused file is drift: degraded, with
 * its code). Plugins an operator runs without a sandbox (`"sandbox": "none"`) are named in the message
 * whatever the state: a deliberate choice does not make the host unready, but nobody should forget it.
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
  const drift = pluginHost.drift;
  const problems = [
    ...(failed.length > 0 ? [`failed: ${failed.map((plugin) => plugin.name).join(', ')}`] : []),
    ...(restarting.length > 0 ? [`restarting: ${restarting.map((plugin) => plugin.name).join(', ')}`] : []),
    // The code only: /readyz is public, and a refusal's reason can quote the file (Node's JSON syntax errors
    // carry a snippet of the text, which may be a literal key). Admins read the reason in ListPlugins.
    ...(drift === undefined ? [] : [`drift: plugins.config.json refused (${drift.code}) since ${drift.since.toISOString()}; the last config that loaded serves (reason: ListPlugins)`]),
    // A refused release (breaking change, integrity, signature, failure) whose last good release keeps serving.
    ...plugins.flatMap((plugin) => (plugin.refusedRelease === undefined ? [] : [`${plugin.name} ${plugin.refusedRelease.version ?? '?'} refused (${plugin.refusedRelease.code}), ${plugin.version ?? '?'} keeps serving`])),
    ...(starting.length > 0 ? [`starting: ${starting.map((plugin) => `${plugin.name} (attempt ${plugin.startAttempts.made} of ${plugin.startAttempts.max} timed out)`).join(', ')}`] : []),
  ];
  return problems.length === 0 ? { state: 'ok', message: summary } : { state: 'degraded', message: `${summary}; ${problems.join('; ')}` };
}

/** Why the model check is degraded by the provider's answer, or undefined while the key is not known to be bad. */
export function describeModelCredentials(modelCredentials: Pick<ModelCredentialHealth, 'verdict'> | undefined): string | undefined {
  const verdict = modelCredentials?.verdict;
  if (verdict?.state !== 'rejected') return undefined;
  return `${verdict.message} (since ${verdict.since.toISOString()})`;
}
