import type { Clock } from '@acai/plugin-sdk';
import type { Logger } from 'pino';
import { countCacheLookups, type KeyValueStore } from '../cache/index.js';
import type { HostConfig } from '../config/env-config.js';
import { loadPluginsConfig, SECRET_NAME_PATTERN, type PluginsConfig } from '../config/plugins-config.js';
import { withTraceContextFetch, type HostMetrics, type SecretRegistry } from '../observability/index.js';
import { startPluginHost, type StartedPluginHost } from '../plugin-host/index.js';
import { HOST_VERSION } from './host-version.js';

/** What {@link startPlugins} needs besides the host config. */
export interface PluginDependencies {
  /** The environment for `${VAR}` references in plugins.config.json. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secrets: SecretRegistry;
  readonly keyValueStore: KeyValueStore;
  readonly logger: Logger;
  readonly metrics: HostMetrics;
  readonly clock: Clock;
  /** Already parsed config for the first set (tests); otherwise PLUGINS_CONFIG is read. Reloads always read the file. */
  readonly pluginsConfig?: PluginsConfig | undefined;
  /** The plugins' HTTP transport (tests); `globalThis.fetch` otherwise. */
  readonly fetch?: typeof fetch | undefined;
}

/**
 * The plugin-host wiring: the first set from plugins.config.json (or the given config), each plugin in the
 * mode its entry names (worker plugins under the host's heap limit and hard deadline), and reloads that
 * read the file again. Secrets of every set (first and reloaded) are registered for log scrubbing.
 */
export async function startPlugins(config: HostConfig, dependencies: PluginDependencies): Promise<StartedPluginHost> {
  const { env, secrets } = dependencies;
  const readConfig = async (): Promise<PluginsConfig> => {
    const pluginsConfig = await loadPluginsConfig(config.pluginsConfigPath, env);
    registerPluginSecrets(pluginsConfig, secrets);
    return pluginsConfig;
  };
  let initialConfig = dependencies.pluginsConfig;
  if (initialConfig === undefined) initialConfig = await readConfig();
  else registerPluginSecrets(initialConfig, secrets);
  return startPluginHost({
    initialConfig,
    readConfig,
    dataDir: config.dataDir,
    hostVersion: HOST_VERSION,
    keyValueStore: countCacheLookups(dependencies.keyValueStore, dependencies.metrics.cacheRequests, 'plugin'),
    logger: dependencies.logger.child({ component: 'plugin-host' }),
    metricsRegistry: dependencies.metrics.registry,
    clock: dependencies.clock,
    // Plugins' outgoing requests carry the chat turn's traceparent.
    fetch: withTraceContextFetch(dependencies.fetch ?? globalThis.fetch),
    worker: config.plugins.worker,
    sandbox: config.plugins.sandbox,
    maxDrainMs: config.plugins.reloadDrainMs,
    autoRollbackWindowMs: config.plugins.autoRollbackWindowMs,
    startRetry: config.plugins.startRetry,
  });
}

/**
 * Plugin secrets are scrubbed from tool results by the call path; registering them here keeps them out of
 * log lines too. Values of secret-looking config keys count as secrets, and so do the values an MCP
 * server entry passes in its env, headers or URL (the config marks them).
 */
export function registerPluginSecrets(pluginsConfig: PluginsConfig, secrets: SecretRegistry): void {
  for (const plugin of pluginsConfig.plugins) {
    for (const [key, value] of Object.entries(plugin.config ?? {})) {
      if (typeof value === 'string' && SECRET_NAME_PATTERN.test(key)) secrets.register(value);
    }
    if (plugin.source.kind === 'mcp') for (const value of plugin.source.secretValues) secrets.register(value);
    // Variables granted to a plugin are usually credentials: kept out of logs like its secrets.
    for (const value of Object.values(plugin.grantedEnvironment)) secrets.register(value);
  }
}
