import { readFile } from 'node:fs/promises';
import type { Clock } from '@acai/plugin-sdk';
import type { Logger } from 'pino';
import { countCacheLookups, type KeyValueStore } from '../cache/index.js';
import type { HostConfig } from '../config/env-config.js';
import { parsePluginsConfig, readPluginsConfigFile, SECRET_NAME_PATTERN, type PluginsConfig } from '../config/plugins-config.js';
import { withTraceContextFetch, type HostMetrics, type SecretRegistry } from '../observability/index.js';
import { startPluginHost, type StartedPluginHost, type StartPluginHostOptions } from '../plugin-host/index.js';
import { driftFromRefusal, isConfigRefusal, type EnabledOverrides } from '../plugin-host/reload/index.js';
import { HOST_VERSION } from './host-version.js';
import { LastGoodPluginsConfig } from './last-good-plugins-config.js';

/** The running plugin host, and the last good config's pending save. */
export interface StartedPlugins extends StartedPluginHost {
  /** Resolves once the last config that loaded is on disk. */
  whenSaved(): Promise<void>;
}

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
  /** Operator overrides from the store, applied to the first set already. */
  readonly overrides?: EnabledOverrides;
}

/**
 * The plugin-host wiring: the first set from plugins.config.json (or the given config), each plugin in the
 * mode its entry names (worker plugins under the host's heap limit and hard deadline), and reloads that
 * read the file again. Secrets of every set (first and reloaded) are registered for log scrubbing.
 *
 * Every config that loads is saved as the last good one (ACAI_DATA_DIR). When the file is refused at
 * start-up and differs from that copy, the host starts on the copy instead of exiting, says so loudly,
 * and reports the drift until the file loads.
 */
export async function startPlugins(config: HostConfig, dependencies: PluginDependencies): Promise<StartedPlugins> {
  const { env, secrets, logger } = dependencies;
  const lastGood = new LastGoodPluginsConfig(config.dataDir, config.pluginsConfigPath);
  // The text each parsed config came from, to save the one that loads (parsed configs hold resolved secrets).
  const texts = new WeakMap<PluginsConfig, string>();
  const readConfig = async (): Promise<PluginsConfig> => {
    const { config: pluginsConfig, text } = await readPluginsConfigFile(config.pluginsConfigPath, env);
    registerPluginSecrets(pluginsConfig, secrets);
    texts.set(pluginsConfig, text);
    return pluginsConfig;
  };
  const start = (initialConfig: PluginsConfig, drift?: StartPluginHostOptions['start']): Promise<StartedPluginHost> =>
    startPluginHost({ ...hostOptions(config, dependencies), initialConfig, readConfig, start: { ...(dependencies.overrides === undefined ? {} : { overrides: dependencies.overrides }), ...drift } });
  let started: StartedPluginHost;
  if (dependencies.pluginsConfig !== undefined) {
    registerPluginSecrets(dependencies.pluginsConfig, secrets);
    started = await start(dependencies.pluginsConfig);
  } else {
    try {
      started = await start(await readConfig());
    } catch (error) {
      const saved = isConfigRefusal(error) ? await lastGood.read() : undefined;
      const current = await readFile(config.pluginsConfigPath, 'utf8').catch(() => undefined);
      // A file identical to the saved copy failed for another reason (a plugin's setup, the network): exit as before.
      if (saved === undefined || saved.text === current) throw error;
      const drift = driftFromRefusal(error, 'startup', new Date(), saved.savedAt);
      logger.error(
        { file: config.pluginsConfigPath, code: drift.code, reason: drift.reason, lastGoodSavedAt: saved.savedAt.toISOString() },
        `!!! ${config.pluginsConfigPath} was refused at start-up (${drift.code}); STARTING ON THE LAST CONFIG THAT LOADED (saved ${saved.savedAt.toISOString()}). Fix the file: the host reloads it when it changes, and /readyz reports the drift until then. !!!`,
      );
      try {
        const fallback = parsePluginsConfig(JSON.parse(saved.text) as unknown, { path: config.pluginsConfigPath, env });
        registerPluginSecrets(fallback, secrets);
        texts.set(fallback, saved.text);
        started = await start(fallback, { drift });
      } catch (fallbackError) {
        logger.error({ err: fallbackError }, 'the last good plugins config does not load either');
        throw error;
      }
    }
  }
  let saving: Promise<void> = Promise.resolve();
  // One write at a time, in the order the configs loaded; awaited by shutdown.
  const save = (pluginsConfig: PluginsConfig): void => {
    const text = texts.get(pluginsConfig);
    if (text === undefined) return;
    saving = saving
      .then(() => lastGood.save(text))
      .catch((error: unknown) => logger.warn({ err: error }, 'could not save the last good plugins config; a refused file at the next start will stop the host'));
  };
  if (started.host.drift === undefined) save(started.host.sourceConfig);
  started.host.onReload((event) => {
    if (event.outcome === 'ok') save(event.source);
  });
  return { ...started, whenSaved: () => saving };
}

/** The plugin host's fixed options, from the host config. */
function hostOptions(config: HostConfig, dependencies: PluginDependencies): Omit<StartPluginHostOptions, 'initialConfig' | 'readConfig' | 'start'> {
  return {
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
  };
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
