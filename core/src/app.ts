import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Clock } from '@acai/plugin-sdk';
import { createSystemClock } from '@acai/plugin-sdk/host';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { DestinationStream } from 'pino';
import {
  createAuthenticator,
  authPlugin,
  createClientIpResolver,
  loadApiKeysFile,
  parseBootstrapKeys,
  parseTrustedNetworks,
  type ApiKeySource,
} from './auth/index.js';
import { countCacheLookups, MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore, type RedisClient } from './cache/index.js';
import { createChatService, type ChatService, type ToolExecutor } from './chat/index.js';
import type { HostConfig } from './config/env-config.js';
import { loadPluginsConfig, type PluginsConfig } from './config/plugins-config.js';
import { healthRoutes, modelConfiguredCheck, pingCheck, stateCheck, type HealthCheck } from './health/index.js';
import { createModelClient } from './llm/index.js';
import {
  createLogger,
  createMetrics,
  instrumentConversationStore,
  instrumentSessionDirectory,
  metricsPlugin,
  SecretRegistry,
  tracingPlugin,
  withTraceContextFetch,
  type HostMetrics,
} from './observability/index.js';
import { instrumentModelClient } from './observability/instrument-model-client.js';
import { instrumentToolExecutor } from './observability/instrument-tool-executor.js';
import { loadPluginHost, type PluginHost } from './plugin-host/index.js';
import { createRequestLimiter, createTenantQuotas, rateLimitPlugin } from './rate-limit/index.js';
import { ChatService as ChatServiceDescriptor, twirpPlugin, twirpServerOptions } from './rpc/index.js';
import { createChatHandlers } from './rpc/chat-handlers.js';
import { SessionResolver } from './sessions/index.js';
import { MongoApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from './storage/api-keys/index.js';
import { createConversationStore, type ConversationStore } from './storage/index.js';

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
  /** The environment for `${VAR}` references in plugins.config.json (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Already parsed plugins config (skips reading PLUGINS_CONFIG). */
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
  readonly pluginHost: PluginHost;
  readonly chat: ChatService;
  readonly apiKeys: ApiKeyStore;
  /** Closes the server, disposes plugins, closes stores (idempotent). */
  close(): Promise<void>;
}

/**
 * The composition root: builds every part from config and wires the request path
 * (edge → use cases → adapters). It never listens, so tests drive it with `inject` or `listen({ port: 0 })`.
 */
export async function buildApp(config: HostConfig, overrides: BuildAppOverrides = {}): Promise<AcaiApp> {
  const env = overrides.env ?? process.env;
  const secrets = new SecretRegistry();
  const logger = createLogger({
    level: config.logging.level,
    logContent: config.logging.logContent,
    secrets,
    base: { service: 'acai' },
    ...(overrides.logDestination ? { destination: overrides.logDestination } : {}),
  });
  for (const value of [config.model.apiKey, config.telegram.botToken, config.telegram.webhookSecret]) secrets.register(value);
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

    const pluginsConfig = overrides.pluginsConfig ?? (await loadPluginsConfig(config.pluginsConfigPath, env));
    registerPluginSecrets(pluginsConfig, secrets);
    const pluginHost = await loadPluginHost({
      config: pluginsConfig,
      configDir: dirname(config.pluginsConfigPath),
      dataDir: config.dataDir,
      hostVersion: HOST_VERSION,
      keyValueStore: countCacheLookups(keyValueStore, metrics.cacheRequests, 'plugin'),
      logger: logger.child({ component: 'plugin-host' }),
      metricsRegistry: metrics.registry,
      clock,
      // Plugins' outgoing requests carry the chat turn's traceparent.
      fetch: withTraceContextFetch(overrides.fetch ?? globalThis.fetch),
    });
    disposers.push(() => pluginHost.dispose());

    const quotas =
      config.rateLimit.toolCallsPerMinute > 0 || config.rateLimit.modelTokensPerMinute > 0
        ? createTenantQuotas({
            modelTokensPerMinute: config.rateLimit.modelTokensPerMinute,
            toolCallsPerMinute: config.rateLimit.toolCallsPerMinute,
            ...(redis ? { redis } : {}),
            metrics,
          })
        : undefined;

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
      // The host's tool specs are JSON Schema objects (the strict lint guarantees an object root).
      tools: instrumentToolExecutor(pluginHost as unknown as ToolExecutor, pluginHost, quotas),
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
    await server.register(metricsPlugin, { metrics, exposePath: config.server.metricsPort > 0 ? false : '/metrics' });
    await server.register(authPlugin, {
      authenticator,
      clientIp,
      metrics,
      ...(requestLimiter ? { failureLimiter: requestLimiter } : {}),
      protect: [
        { prefix: '/twirp/acai.admin.', scope: 'admin' },
        { prefix: '/twirp/', scope: 'chat' },
        { prefix: '/metrics', scope: 'metrics' },
      ],
    });
    if (requestLimiter) await server.register(rateLimitPlugin, { limiter: requestLimiter, clientIp, metrics });

    healthRoutes(server, { checks: readinessChecks(config, store, keyValueStore, pluginHost) });
    server.get('/', async () => 'Acai is running. Chat API: POST /twirp/acai.chat.ChatService/{StartConversation,ContinueConversation,ListConversations,DescribeConversation}\n');

    await server.register(twirpPlugin, {
      service: ChatServiceDescriptor,
      implementation: createChatHandlers(chat),
      requestDeadlineMs: config.server.requestDeadlineMs,
      bodyLimitBytes: config.server.maxBodyBytes,
      createContext: (request: FastifyRequest) => ({ principal: request.principal }),
    });

    let closed: Promise<void> | undefined;
    return {
      server,
      config,
      logger,
      metrics,
      store,
      keyValueStore,
      pluginHost,
      chat,
      apiKeys,
      close: () => (closed ??= runDisposers(disposers, logger)),
    };
  } catch (error) {
    await runDisposers(disposers, logger);
    throw error;
  }
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
// them out of log lines too. Values of secret-looking config keys count as secrets.
function registerPluginSecrets(pluginsConfig: PluginsConfig, secrets: SecretRegistry): void {
  const secretKey = /(key|token|secret|password|credential)/i;
  for (const plugin of pluginsConfig.plugins) {
    for (const [key, value] of Object.entries(plugin.config ?? {})) {
      if (typeof value === 'string' && secretKey.test(key)) secrets.register(value);
    }
  }
}

function readinessChecks(config: HostConfig, store: ConversationStore, keyValueStore: KeyValueStore, pluginHost: PluginHost): HealthCheck[] {
  return [
    pingCheck(store.kind === 'mongodb' ? 'mongodb' : 'store', () => store.ping(), { critical: true }),
    // Redis down with the store up is "degraded": sessions fall back to the store.
    pingCheck(keyValueStore.kind === 'redis' ? 'redis' : 'cache', () => keyValueStore.ping(), { critical: false }),
    stateCheck('plugins', true, () => {
      const plugins = pluginHost.listPlugins();
      const failed = plugins.filter((plugin) => plugin.state === 'failed');
      const loaded = plugins.filter((plugin) => plugin.state === 'loaded').length;
      return failed.length === 0
        ? { state: 'ok', message: `${loaded} plugin(s) loaded` }
        : { state: 'degraded', message: `${loaded} loaded; failed: ${failed.map((plugin) => plugin.name).join(', ')}` };
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
