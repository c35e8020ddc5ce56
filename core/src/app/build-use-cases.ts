import { readFileSync } from 'node:fs';
import type { Clock } from '@acai/plugin-sdk';
import type { Logger } from 'pino';
import { countCacheLookups } from '../cache/index.js';
import { createChatService, createConversationRemover, type ChatService } from '../chat/index.js';
import type { HostConfig } from '../config/env-config.js';
import { createModelClient, ModelCredentialHealth } from '../llm/index.js';
import { instrumentConversationStore, instrumentSessionDirectory, type HostMetrics } from '../observability/index.js';
import { instrumentModelClient } from '../observability/instrument-model-client.js';
import { instrumentToolExecutor } from '../observability/instrument-tool-executor.js';
import type { ToolExecutor } from '../tool-calls/index.js';
import type { ReloadablePluginHost } from '../plugin-host/reload/index.js';
import { createTenantQuotas, type TenantQuotas } from '../rate-limit/index.js';
import { createRedisSweepLease, RetentionSweeper, UNCOORDINATED_LEASE } from '../retention/index.js';
import { SessionResolver } from '../sessions/index.js';
import type { HostStores } from './open-stores.js';

/** What the edges call: the chat use cases and the one instrumented tool call path. */
export interface UseCases {
  /** Tool span, tenant quota, then the plugin host: shared by the chat loop, the MCP server and Telegram's tool list. */
  readonly tools: ToolExecutor;
  readonly chat: ChatService;
  /** Deletes conversations past their tenant's retention (inactive when nothing is to be deleted). */
  readonly retention: RetentionSweeper;
  /** Whether the provider accepted the host's model key on the latest call (read by `/readyz`). */
  readonly modelCredentials: ModelCredentialHealth;
}

/** What {@link buildUseCases} wires together. */
export interface UseCaseDependencies {
  readonly stores: HostStores;
  readonly pluginHost: ReloadablePluginHost;
  readonly metrics: HostMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * The use-case layer over the adapters: tenant quotas, the instrumented tool call path, session
 * resolution (Redis first, the store as fallback), the model client and the chat service. Telemetry
 * wraps the ports here as decorators, so the adapters stay free of it.
 */
export function buildUseCases(config: HostConfig, dependencies: UseCaseDependencies): UseCases {
  const { stores, metrics, logger } = dependencies;
  // One instrumented call path for every tool caller: the chat loop and the MCP server.
  const tools = instrumentToolExecutor(dependencies.pluginHost, createQuotas(config, stores, metrics));

  const sessions = new SessionResolver({
    keyValueStore: stores.keyValueStore,
    conversationStore: stores.store,
    logger: logger.child({ component: 'sessions' }),
    ttlSeconds: config.chat.sessionTtlMinutes * 60,
    registry: metrics.registry,
  });

  const modelCredentials = new ModelCredentialHealth();
  const model = instrumentModelClient(
    createModelClient({
      apiKey: config.model.apiKey,
      baseURL: config.model.baseURL,
      model: config.model.model,
      titleModel: config.model.titleModel,
      timeoutMs: config.model.timeoutMs,
      maxAttempts: config.model.maxAttempts,
      stream: config.model.stream,
      strictTools: config.model.strictTools,
      onCall: (record, error) => modelCredentials.observe(record, error),
    }),
    metrics,
    logger.child({ component: 'model' }),
  );

  // Telemetry decorators: store and session spans, title-cache hit/miss counts.
  const store = instrumentConversationStore(stores.store);
  const sessionDirectory = instrumentSessionDirectory(sessions);
  const chat = createChatService({
    store,
    sessions: sessionDirectory,
    model,
    tools,
    cache: countCacheLookups(stores.keyValueStore, metrics.cacheRequests, 'title'),
    clock: dependencies.clock,
    options: {
      maxMessageBytes: config.chat.maxMessageBytes,
      maxToolSteps: config.chat.maxToolSteps,
      contextTokenBudget: config.chat.contextTokenBudget,
      summarize: config.chat.summarize,
      titleCacheTtlSeconds: config.chat.titleCacheTtlHours * 3600,
      ...(config.chat.promptsFile ? { prompts: readPromptsFile(config.chat.promptsFile) } : {}),
    },
  });
  const retentionLogger = logger.child({ component: 'retention' });
  const retention = new RetentionSweeper({
    policy: config.retention,
    store,
    // The same removal as DeleteConversation: session bindings and cached titles go with the conversation.
    remover: createConversationRemover({ store, sessions: sessionDirectory, titleCache: stores.keyValueStore }),
    lease: stores.redis ? createRedisSweepLease(stores.redis, (error) => retentionLogger.warn({ err: error }, 'retention lease unavailable; sweeping without it')) : UNCOORDINATED_LEASE,
    intervalMs: config.retention.sweepIntervalMinutes * 60_000,
    logger: retentionLogger,
    registry: metrics.registry,
    now: () => dependencies.clock.now(),
  });
  return { tools, chat, modelCredentials, retention };
}

/** Per-tenant budgets for tool calls and model tokens; none when both limits are off. */
function createQuotas(config: HostConfig, stores: HostStores, metrics: HostMetrics): TenantQuotas | undefined {
  if (config.rateLimit.toolCallsPerMinute <= 0 && config.rateLimit.modelTokensPerMinute <= 0) return undefined;
  return createTenantQuotas({
    modelTokensPerMinute: config.rateLimit.modelTokensPerMinute,
    toolCallsPerMinute: config.rateLimit.toolCallsPerMinute,
    ...(stores.redis ? { redis: stores.redis } : {}),
    metrics,
  });
}

function readPromptsFile(path: string) {
  return JSON.parse(readFileSync(path, 'utf8'));
}
