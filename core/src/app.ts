import type { Clock } from '@acai/plugin-sdk';
import { createSystemClock } from '@acai/plugin-sdk/host';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { createAccessControl } from './app/access-control.js';
import { buildUseCases } from './app/build-use-cases.js';
import { createHostLogger } from './app/create-host-logger.js';
import { createHttpServer } from './app/create-http-server.js';
import { openStores } from './app/open-stores.js';
import { telegramWebhookSettings } from './app/telegram-webhook-settings.js';
import { PluginConfigWatches } from './app/plugin-config-watches.js';
import { registerRequestHooks } from './app/register-request-hooks.js';
import { registerRoutes } from './app/register-routes.js';
import { ShutdownSteps } from './app/shutdown-steps.js';
import { startPlugins } from './app/start-plugins.js';
import { readInitialOverrides, startOperatorState } from './app/start-operator-state.js';
import type { AuditTrail } from './audit/index.js';
import type { KeyValueStore } from './cache/index.js';
import type { ChatService } from './chat/index.js';
import type { HostConfig } from './config/env-config.js';
import type { PluginsConfig } from './config/plugins-config.js';
import { createMetrics, type HostMetrics } from './observability/index.js';
import { overridesFrom, type OperatorState } from './operator-state/index.js';
import type { ConfigFileWatch, ReloadablePluginHost, ReloadResult, ReloadTrigger } from './plugin-host/reload/index.js';
import type { WorkerEventTracker } from './plugin-host/worker/index.js';
import type { ApiKeyStore } from './storage/api-keys/index.js';
import type { RetentionSweeper } from './retention/index.js';
import type { ConversationStore } from './storage/index.js';
import type { OperatorStores } from './storage/operator/index.js';

export { HOST_VERSION } from './app/host-version.js';

/** Test and embedding seams; production passes none of these. */
export interface BuildAppOverrides {
  /** Where log lines go (tests capture them; the process entry passes its own descriptor of stdout, see isolateLogStream). */
  logDestination?: DestinationStream;
  clock?: Clock;
  /** Used by plugins' HTTP clients. */
  fetch?: typeof fetch;
  /** The environment for `${VAR}` references in plugins.config.json (default: the one the config was loaded from). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Already parsed plugins config for the first plugin set (skips reading PLUGINS_CONFIG at boot; reloads read the file). */
  pluginsConfig?: PluginsConfig;
}

/** A built, not yet listening host. */
export interface AcaiApp {
  readonly server: FastifyInstance;
  readonly config: HostConfig;
  readonly logger: Logger;
  readonly metrics: HostMetrics;
  readonly store: ConversationStore;
  readonly keyValueStore: KeyValueStore;
  /** The serving plugin set; reloads swap it without failing calls. */
  readonly pluginHost: ReloadablePluginHost;
  /** Crash and restart counts of worker-mode plugins. */
  readonly workerEvents: WorkerEventTracker;
  readonly chat: ChatService;
  readonly apiKeys: ApiKeyStore;
  /** Deletes conversations past their retention (CONVERSATION_RETENTION_DAYS…); started with the app when it has anything to delete. */
  readonly retention: RetentionSweeper;
  /** Operator overrides shared by replicas, and the audit log. */
  readonly operatorStores: OperatorStores;
  /** Enable/disable overrides and breaker resets that hold for every replica and across restarts. */
  readonly operatorState: OperatorState;
  /** Where operator actions are recorded. */
  readonly audit: AuditTrail;
  /**
   * Re-reads plugins.config.json and swaps in the new set. Rejects (the old set keeps serving) when the
   * file is invalid or a required plugin fails; the outcome is logged and counted either way.
   */
  reloadPlugins(trigger: ReloadTrigger): Promise<ReloadResult>;
  /** Reloads whenever plugins.config.json changes (debounced by PLUGINS_WATCH_DEBOUNCE_MS); `close()` stops it too. */
  watchPluginsConfig(): ConfigFileWatch;
  /** Stops config watches, closes the server, disposes plugins, closes stores (idempotent). */
  close(): Promise<void>;
}

/**
 * The composition root: builds every part from config and wires the request path
 * (edge → use cases → adapters). It never listens, so tests drive it with `inject` or `listen({ port: 0 })`.
 * Each step is a file under `app/`, in the order they run here.
 */
export async function buildApp(config: HostConfig, overrides: BuildAppOverrides = {}): Promise<AcaiApp> {
  const { logger, secrets } = createHostLogger(config, overrides.logDestination);
  const clock = overrides.clock ?? createSystemClock();
  const metrics = createMetrics();
  const shutdown = new ShutdownSteps(logger);
  try {
    // Settings that can be refused are checked before the host opens stores or starts plugins.
    telegramWebhookSettings(config);
    const stores = await openStores(config, logger, shutdown);
    // Overrides already in the store apply to the first set: a plugin switched off never starts.
    const initialRecords = await readInitialOverrides(stores, logger);
    const plugins = await startPlugins(config, {
      env: overrides.env ?? config.pluginVariables,
      secrets,
      keyValueStore: stores.keyValueStore,
      logger,
      metrics,
      clock,
      pluginsConfig: overrides.pluginsConfig,
      fetch: overrides.fetch,
      overrides: overridesFrom(initialRecords),
    });
    const pluginHost = plugins.host;
    // Plugins are disposed after the server drained, before the stores they use.
    shutdown.add('plugins', async () => {
      await plugins.whenSaved();
      await pluginHost.dispose();
    });
    const { operatorState, audit } = await startOperatorState(config, { stores, pluginHost, initialRecords, metrics, logger, shutdown });

    const useCases = buildUseCases(config, { stores, pluginHost, metrics, logger, clock });
    // Stopped first: a sweep in progress finishes its current delete before the stores close.
    shutdown.add('config-watches', () => useCases.retention.stop());

    const server = createHttpServer(config, logger);
    shutdown.add('server', () => server.close());
    const access = createAccessControl(config, { apiKeys: stores.apiKeys, secrets, redis: stores.redis, metrics, logger });
    await registerRequestHooks(server, config, access, metrics);
    await registerRoutes(server, config, { stores, pluginHost, workerEvents: plugins.workerEvents, useCases, access, metrics, logger, operatorState, audit });

    const watches = new PluginConfigWatches(() => pluginHost.watchConfigFile(config.pluginsConfigPath, config.plugins.watchDebounceMs));
    shutdown.add('config-watches', () => watches.closeAll());

    return {
      server,
      config,
      logger,
      metrics,
      store: stores.store,
      keyValueStore: stores.keyValueStore,
      pluginHost,
      workerEvents: plugins.workerEvents,
      chat: useCases.chat,
      apiKeys: stores.apiKeys,
      retention: useCases.retention,
      operatorStores: stores.operator,
      operatorState,
      audit,
      reloadPlugins: (trigger) => pluginHost.reload(trigger),
      watchPluginsConfig: () => watches.watch(),
      close: () => shutdown.run(),
    };
  } catch (error) {
    await shutdown.run();
    throw error;
  }
}
