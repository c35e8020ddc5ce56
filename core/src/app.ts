import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '@acai/plugin-sdk';
import { createSystemClock } from '@acai/plugin-sdk/host';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { DestinationStream } from 'pino';
import { registerPluginAdminService } from './admin/index.js';
import {
  API_KEY_SCOPES,
  createAuthenticator,
  authPlugin,
  createClientIpResolver,
  loadApiKeysFile,
  parseBootstrapKeys,
  parseTrustedNetworks,
  registerWhoamiRoute,
  WHOAMI_PATH,
  type ApiKeySource,
} from './auth/index.js';
import { countCacheLookups, MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore, type RedisClient } from './cache/index.js';
import { createChatService, type ChatService } from './chat/index.js';
import type { HostConfig } from './config/env-config.js';
import { loadPluginsConfig, SECRET_NAME_PATTERN, type PluginsConfig } from './config/plugins-config.js';
import { healthRoutes, modelConfiguredCheck, pingCheck, stateCheck, type HealthCheck } from './health/index.js';
import { createModelClient } from './llm/index.js';
import { MCP_PATH, McpToolCatalog, registerMcpRoute } from './mcp-server/index.js';
import {
  createLogger,
  createMetrics,
  instrumentConversationStore,
  instrumentSessionDirectory,
  connectionStringSecrets,
  createStreamObserver,
  metricsPlugin,
  SecretRegistry,
  tracingPlugin,
  withTraceContextFetch,
  type HostMetrics,
} from './observability/index.js';
import { instrumentModelClient } from './observability/instrument-model-client.js';
import { instrumentPluginHost } from './observability/instrument-tool-executor.js';
import { startPluginHost, type StartedPluginHost } from './plugin-host/index.js';
import type { ConfigFileWatch, ReloadablePluginHost, ReloadResult, ReloadTrigger } from './plugin-host/reload/index.js';
import type { WorkerEventTracker } from './plugin-host/worker/index.js';
import { createRequestLimiter, createTenantQuotas, DEFAULT_EXEMPT_PATHS, rateLimitPlugin } from './rate-limit/index.js';
import { ChatService as ChatServiceDescriptor, twirpPlugin, twirpServerOptions } from './rpc/index.js';
import { createChatHandlers } from './rpc/chat-handlers.js';
import { createChatStreamMethod } from './rpc/chat-stream-method.js';
import { SessionResolver } from './sessions/index.js';
import { MongoApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from './storage/api-keys/index.js';
import { createConversationStore, type ConversationStore } from './storage/index.js';
import { registerTelegramWebhook, TELEGRAM_WEBHOOK_PATH } from './telegram/index.js';
import { registerWebConsole } from './web-console/index.js';

/** The host's own version, checked against plugins' `acai.hostRange`. */
export const HOST_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Test and embedding seams; production passes none of these. */
export interface BuildAppOverrides {
  /** Where log lines go (tests capture them). */
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
 */
export async function buildApp(config: HostConfig, overrides: BuildAppOverrides = {}): Promise<AcaiApp> {
  const env = overrides.env ?? config.pluginVariables;
  const secrets = new SecretRegistry();
  const logger = createLogger({
    level: config.logging.level,
    logContent: config.logging.logContent,
    secrets,
    base: { service: 'acai' },
    ...(overrides.logDestination ? { destination: overrides.logDestination } : {}),
  });
  for (const value of [config.model.apiKey, config.telegram.botToken, config.telegram.webhookSecret]) secrets.register(value);
  for (const value of [...connectionStringSecrets(config.mongodb.url), ...connectionStringSecrets(config.redis.url)]) secrets.register(value);
  const clock = overrides.clock ?? createSystemClock();
  const metrics = createMetrics();

  const disposers: Array<() => Promise<void>> = [];
  try {
    const keyValueStore: KeyValueStore = config.redis.url
      ? new RedisKeyValueStore({ url: config.redis.url, keyPrefix: config.redis.keyPrefix })
      : new MemoryKeyValueStore();
    disposers.push(() => keyValueStore.close());
    const redis: RedisClient | undefined = keyValueStore instanceof RedisKeyValueStore ? keyValueStore.client : undefined;

    const store = await createConversationStore({
      ...(config.mongodb.url ? { mongodbUrl: config.mongodb.url } : {}),
      mongoDatabase: config.mongodb.database,
      dataDir: config.dataDir,
      logger,
    });
    disposers.push(() => store.close());

    const apiKeys: ApiKeyStore = config.mongodb.url
      ? new MongoApiKeyStore({ url: config.mongodb.url, database: config.mongodb.database })
      : new SqliteApiKeyStore(join(config.dataDir, 'keys.db'));
    disposers.push(() => apiKeys.close());

    const plugins = await startPlugins(config, { env, secrets, keyValueStore, logger, metrics, clock, overrides });
    const pluginHost = plugins.host;
    // Plugins are disposed after the server drained (unshifted before it below), before the stores they use.
    disposers.unshift(() => pluginHost.dispose());

    const quotas =
      config.rateLimit.toolCallsPerMinute > 0 || config.rateLimit.modelTokensPerMinute > 0
        ? createTenantQuotas({
            modelTokensPerMinute: config.rateLimit.modelTokensPerMinute,
            toolCallsPerMinute: config.rateLimit.toolCallsPerMinute,
            ...(redis ? { redis } : {}),
            metrics,
          })
        : undefined;

    // One instrumented call path for every tool caller: the chat loop and the MCP server.
    const tools = instrumentPluginHost(pluginHost, quotas);

    const sessions = new SessionResolver({
      keyValueStore,
      conversationStore: store,
      logger: logger.child({ component: 'sessions' }),
      ttlSeconds: config.chat.sessionTtlMinutes * 60,
      registry: metrics.registry,
    });

    const model = instrumentModelClient(
      createModelClient({
        apiKey: config.model.apiKey,
        baseURL: config.model.baseURL,
        model: config.model.model,
        titleModel: config.model.titleModel,
        timeoutMs: config.model.timeoutMs,
        maxAttempts: config.model.maxAttempts,
        stream: config.model.stream,
      }),
      metrics,
      logger.child({ component: 'model' }),
    );

    const chat = createChatService({
      // Telemetry decorators: store and session spans, title-cache hit/miss counts.
      store: instrumentConversationStore(store),
      sessions: instrumentSessionDirectory(sessions),
      model,
      tools,
      cache: countCacheLookups(keyValueStore, metrics.cacheRequests, 'title'),
      clock,
      options: {
        maxMessageBytes: config.chat.maxMessageBytes,
        maxToolSteps: config.chat.maxToolSteps,
        contextTokenBudget: config.chat.contextTokenBudget,
        summarize: config.chat.summarize,
        titleCacheTtlSeconds: config.chat.titleCacheTtlHours * 3600,
        ...(config.chat.promptsFile ? { prompts: readPromptsFile(config.chat.promptsFile) } : {}),
      },
    });

    const server = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      ...twirpServerOptions(),
      bodyLimit: config.server.maxBodyBytes,
      // The transport answers deadline_exceeded at requestDeadlineMs; the socket must outlive it.
      requestTimeout: config.server.requestDeadlineMs + 15_000,
      connectionTimeout: 0,
      keepAliveTimeout: 72_000,
      trustProxy: false,
    });
    disposers.unshift(() => server.close());

    const clientIp = createClientIpResolver(config.auth.trustedProxies);
    const authenticator = createAuthenticator({
      disabled: config.auth.disabled,
      sources: apiKeySources(config, apiKeys, secrets),
      trustedNetworks: parseTrustedNetworks(config.auth.trustedNetworks),
    });

    const requestLimiter = createRequestLimiter({
      requestsPerMinute: config.rateLimit.requestsPerMinute,
      burst: config.rateLimit.burst,
      ...(redis ? { redis } : {}),
      metrics,
      logger,
    });
    await server.register(tracingPlugin);
    // The main port always serves /metrics to keys with the metrics or admin scope (the web console's
    // metrics view reads it with the admin's key); METRICS_PORT adds an unauthenticated private port.
    await server.register(metricsPlugin, { metrics, exposePath: '/metrics' });
    await server.register(authPlugin, {
      authenticator,
      clientIp,
      metrics,
      ...(requestLimiter ? { failureLimiter: requestLimiter } : {}),
      protect: [
        { prefix: '/twirp/acai.admin.', scope: 'admin' },
        { prefix: '/twirp/', scope: 'chat' },
        { prefix: '/metrics', scope: ['metrics', 'admin'] },
        { prefix: MCP_PATH, scope: 'tools' },
        // Any valid key may ask who it is.
        { prefix: WHOAMI_PATH, scope: API_KEY_SCOPES },
      ],
    });
    if (requestLimiter) {
      // The Telegram webhook is authenticated by its secret-token header, and every delivery comes from
      // Telegram's few addresses: a per-address bucket would throttle all of the bot's users together.
      const exemptPaths = [...DEFAULT_EXEMPT_PATHS, ...(telegramWebhookEnabled(config) ? [TELEGRAM_WEBHOOK_PATH] : [])];
      await server.register(rateLimitPlugin, { limiter: requestLimiter, clientIp, metrics, exemptPaths });
    }

    healthRoutes(server, { checks: readinessChecks(config, store, keyValueStore, pluginHost) });
    server.get('/', async () => 'Acai is running. Web console: /console. Chat API: POST /twirp/acai.chat.ChatService/{StartConversation,ContinueConversation,ListConversations,DescribeConversation}, streamed: ContinueChatStream (Server-Sent Events)\n');
    registerWhoamiRoute(server);
    await registerWebConsole(server, { logger });

    await server.register(twirpPlugin, {
      service: ChatServiceDescriptor,
      implementation: createChatHandlers(chat),
      serverStreams: [createChatStreamMethod(chat)],
      // Open streams may finish during most of the shutdown deadline, then end with `unavailable`
      // before installShutdown cuts the remaining connections.
      streamShutdownGraceMs: Math.floor(config.server.shutdownDeadlineMs * 0.8),
      streamObserver: createStreamObserver(metrics.registry),
      requestDeadlineMs: config.server.requestDeadlineMs,
      bodyLimitBytes: config.server.maxBodyBytes,
      createContext: (request: FastifyRequest) => ({ principal: request.principal }),
    });

    await registerPluginAdminService(server, { host: pluginHost, workerHealth: (name) => plugins.workerEvents.get(name) });

    if (config.mcp.httpEnabled) {
      // Sessions are closed by the server's close hooks (streams first, so the drain cannot hang on them).
      await registerMcpRoute(server, {
        catalog: new McpToolCatalog(pluginHost),
        tools,
        hostVersion: HOST_VERSION,
        settings: config.mcp,
        bodyLimitBytes: config.server.maxBodyBytes,
        requestDeadlineMs: config.server.requestDeadlineMs,
        clientIp,
        ...(requestLimiter ? { requestLimiter } : {}),
        registry: metrics.registry,
        logger: logger.child({ component: 'mcp' }),
      });
    }

    const watches = new Set<ConfigFileWatch>();
    disposers.unshift(async () => {
      for (const watch of watches) watch.close();
      watches.clear();
    });

    if (config.telegram.botToken && config.telegram.webhookSecret) {
      const { botToken, webhookSecret, apiRoot } = config.telegram;
      await registerTelegramWebhook(server, { botToken, secretToken: webhookSecret, apiRoot, chat, tools: pluginHost, logger, deadlineMs: config.server.requestDeadlineMs });
    }

    let closed: Promise<void> | undefined;
    return {
      server,
      config,
      logger,
      metrics,
      store,
      keyValueStore,
      pluginHost,
      workerEvents: plugins.workerEvents,
      chat,
      apiKeys,
      reloadPlugins: (trigger) => pluginHost.reload(trigger),
      watchPluginsConfig() {
        const watch = pluginHost.watchConfigFile(config.pluginsConfigPath, config.plugins.watchDebounceMs);
        watches.add(watch);
        return {
          close() {
            watches.delete(watch);
            watch.close();
          },
        };
      },
      close: () => (closed ??= runDisposers(disposers, logger)),
    };
  } catch (error) {
    await runDisposers(disposers, logger);
    throw error;
  }
}

interface PluginDependencies {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secrets: SecretRegistry;
  readonly keyValueStore: KeyValueStore;
  readonly logger: Logger;
  readonly metrics: HostMetrics;
  readonly clock: Clock;
  readonly overrides: BuildAppOverrides;
}

/**
 * The plugin-host wiring: the first set from plugins.config.json (or the override), each plugin in the
 * mode its entry names (worker plugins under the host's heap limit and hard deadline), and reloads that
 * read the file again. Secrets of every set (first and reloaded) are registered for log scrubbing.
 */
async function startPlugins(config: HostConfig, dependencies: PluginDependencies): Promise<StartedPluginHost> {
  const { env, secrets, overrides } = dependencies;
  const readConfig = async (): Promise<PluginsConfig> => {
    const pluginsConfig = await loadPluginsConfig(config.pluginsConfigPath, env);
    registerPluginSecrets(pluginsConfig, secrets);
    return pluginsConfig;
  };
  let initialConfig = overrides.pluginsConfig;
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
    fetch: withTraceContextFetch(overrides.fetch ?? globalThis.fetch),
    worker: config.plugins.worker,
    maxDrainMs: config.plugins.reloadDrainMs,
    autoRollbackWindowMs: config.plugins.autoRollbackWindowMs,
  });
}

/** The host serves the Telegram webhook when both the bot token and the webhook secret are set. */
function telegramWebhookEnabled(config: HostConfig): boolean {
  return config.telegram.botToken !== undefined && config.telegram.webhookSecret !== undefined;
}

function apiKeySources(config: HostConfig, store: ApiKeyStore, secrets: SecretRegistry): ApiKeySource[] {
  const sources: ApiKeySource[] = [];
  if (config.auth.bootstrapKeys) {
    sources.push(parseBootstrapKeys(config.auth.bootstrapKeys));
    for (const entry of config.auth.bootstrapKeys.split(',')) secrets.register(entry.split(':')[0]?.trim());
  }
  if (config.auth.keysFile) sources.push(loadApiKeysFile(config.auth.keysFile));
  sources.push(store);
  return sources;
}

// Plugin secrets are scrubbed from tool results by the call path; registering them here keeps
// them out of log lines too. Values of secret-looking config keys count as secrets, and so do the
// values an MCP server entry passes in its env, headers or URL (the config marks them).
function registerPluginSecrets(pluginsConfig: PluginsConfig, secrets: SecretRegistry): void {
  for (const plugin of pluginsConfig.plugins) {
    for (const [key, value] of Object.entries(plugin.config ?? {})) {
      if (typeof value === 'string' && SECRET_NAME_PATTERN.test(key)) secrets.register(value);
    }
    if (plugin.source.kind === 'mcp') for (const value of plugin.source.secretValues) secrets.register(value);
  }
}

function readinessChecks(config: HostConfig, store: ConversationStore, keyValueStore: KeyValueStore, pluginHost: ReloadablePluginHost): HealthCheck[] {
  return [
    pingCheck(store.kind === 'mongodb' ? 'mongodb' : 'store', () => store.ping(), { critical: true }),
    // Redis down with the store up is "degraded": sessions fall back to the store.
    pingCheck(keyValueStore.kind === 'redis' ? 'redis' : 'cache', () => keyValueStore.ping(), { critical: false }),
    stateCheck('plugins', true, () => {
      // Read on every probe, so it always describes the generation serving now.
      const plugins = pluginHost.listPlugins();
      const failed = plugins.filter((plugin) => plugin.state === 'failed');
      const restarting = plugins.filter((plugin) => plugin.state === 'loaded' && plugin.isRestarting === true);
      const loaded = plugins.filter((plugin) => plugin.state === 'loaded').length;
      const summary = `${loaded} plugin(s) loaded (generation ${pluginHost.generation})`;
      const problems = [
        ...(failed.length > 0 ? [`failed: ${failed.map((plugin) => plugin.name).join(', ')}`] : []),
        ...(restarting.length > 0 ? [`restarting: ${restarting.map((plugin) => plugin.name).join(', ')}`] : []),
        ...plugins.flatMap((plugin) => (plugin.refusedRelease === undefined ? [] : [`${plugin.name} ${plugin.refusedRelease.version ?? '?'} refused (${plugin.refusedRelease.code}), ${plugin.version ?? '?'} keeps serving`])),
      ];
      return problems.length === 0 ? { state: 'ok', message: summary } : { state: 'degraded', message: `${summary}; ${problems.join('; ')}` };
    }),
    modelConfiguredCheck(config.model.isConfigured),
  ];
}

function readPromptsFile(path: string) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

async function runDisposers(disposers: ReadonlyArray<() => Promise<void>>, logger: Logger): Promise<void> {
  for (const dispose of disposers) {
    try {
      await dispose();
    } catch (error) {
      logger.warn({ err: error }, 'shutdown step failed');
    }
  }
}
