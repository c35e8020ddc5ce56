import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { registerPluginAdminService } from '../admin/index.js';
import { registerWhoamiRoute } from '../auth/index.js';
import type { HostConfig } from '../config/env-config.js';
import { healthRoutes } from '../health/index.js';
import { McpToolCatalog, registerMcpRoute } from '../mcp-server/index.js';
import { createStreamObserver, type HostMetrics } from '../observability/index.js';
import type { ReloadablePluginHost } from '../plugin-host/reload/index.js';
import type { WorkerEventTracker } from '../plugin-host/worker/index.js';
import { ChatService as ChatServiceDescriptor, twirpPlugin } from '../rpc/index.js';
import { createChatHandlers } from '../rpc/chat-handlers.js';
import { createChatStreamMethod } from '../rpc/chat-stream-method.js';
import { registerTelegramWebhook } from '../telegram/index.js';
import { registerWebConsole } from '../web-console/index.js';
import type { AccessControl } from './access-control.js';
import type { UseCases } from './build-use-cases.js';
import { hostServiceIndex } from './host-service-index.js';
import { HOST_VERSION } from './host-version.js';
import type { HostStores } from './open-stores.js';
import { readinessChecks } from './readiness-checks.js';
import { telegramWebhookSettings } from './telegram-webhook-settings.js';

/** What the routes serve. */
export interface RouteDependencies {
  readonly stores: HostStores;
  readonly pluginHost: ReloadablePluginHost;
  readonly workerEvents: WorkerEventTracker;
  readonly useCases: UseCases;
  readonly access: AccessControl;
  readonly metrics: HostMetrics;
  readonly logger: Logger;
}

/**
 * Every edge the host serves, after the request hooks: health probes, the root document, whoami, the web
 * console, the chat service over Twirp (unary and streamed), the plugin admin service, MCP over HTTP
 * (MCP_HTTP_ENABLED) and the Telegram webhook (token and secret set).
 */
export async function registerRoutes(server: FastifyInstance, config: HostConfig, dependencies: RouteDependencies): Promise<void> {
  const { stores, pluginHost, useCases, access, metrics, logger } = dependencies;
  healthRoutes(server, { checks: readinessChecks(config, stores, pluginHost), registry: metrics.registry, index: hostServiceIndex(config) });
  registerWhoamiRoute(server);
  await registerWebConsole(server, { logger });

  await server.register(twirpPlugin, {
    service: ChatServiceDescriptor,
    implementation: createChatHandlers(useCases.chat),
    serverStreams: [createChatStreamMethod(useCases.chat)],
    // Open streams may finish during most of the shutdown deadline, then end with `unavailable`
    // before installShutdown cuts the remaining connections.
    streamShutdownGraceMs: Math.floor(config.server.shutdownDeadlineMs * 0.8),
    streamObserver: createStreamObserver(metrics.registry),
    requestDeadlineMs: config.server.requestDeadlineMs,
    bodyLimitBytes: config.server.maxBodyBytes,
    createContext: (request: FastifyRequest) => ({ principal: request.principal }),
  });

  await registerPluginAdminService(server, { host: pluginHost, workerHealth: (name) => dependencies.workerEvents.get(name) });

  if (config.mcp.httpEnabled) {
    // Sessions are closed by the server's close hooks (streams first, so the drain cannot hang on them).
    await registerMcpRoute(server, {
      catalog: new McpToolCatalog(pluginHost),
      tools: useCases.tools,
      hostVersion: HOST_VERSION,
      settings: config.mcp,
      bodyLimitBytes: config.server.maxBodyBytes,
      requestDeadlineMs: config.server.requestDeadlineMs,
      clientIp: access.clientIp,
      ...(access.requestLimiter ? { requestLimiter: access.requestLimiter } : {}),
      registry: metrics.registry,
      logger: logger.child({ component: 'mcp' }),
    });
  }

  const telegram = telegramWebhookSettings(config);
  if (telegram) {
    const { botToken, webhookSecret, apiRoot } = telegram;
    await registerTelegramWebhook(server, { botToken, secretToken: webhookSecret, apiRoot, chat: useCases.chat, tools: pluginHost, logger, deadlineMs: config.server.requestDeadlineMs });
  }
}

