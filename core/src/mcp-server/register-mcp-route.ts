import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ToolExecutor } from '../tool-calls/index.js';
import type { ClientIpResolver } from '../client-address/index.js';
import type { HostConfig } from '../config/env-config.js';
import type { RateLimiter } from '../rate-limit/index.js';
import { checkMcpHeaders } from './check-mcp-headers.js';
import { createMcpServer } from './create-mcp-server.js';
import { createMcpRequestHandler } from './handle-mcp-request.js';
import { McpHttpSessions } from './mcp-http-sessions.js';
import { createMcpMetrics } from './mcp-metrics.js';
import { METHOD_NOT_ALLOWED, sendRefusal } from './mcp-refusal.js';
import { configureMcpScope } from './mcp-route-scope.js';
import type { McpToolCatalog } from './mcp-tool-catalog.js';

/** Where the host serves MCP over Streamable HTTP. */
export const MCP_PATH = '/mcp';

/** Options for {@link registerMcpRoute}. */
export interface McpRouteOptions {
  readonly catalog: McpToolCatalog;
  /** The instrumented call path shared with the chat loop. */
  readonly tools: ToolExecutor;
  readonly hostVersion: string;
  readonly settings: HostConfig['mcp'];
  readonly bodyLimitBytes: number;
  /** A POST not answered by then (a request its client cancelled never is) gets a timeout error. */
  readonly requestDeadlineMs: number;
  readonly clientIp: ClientIpResolver;
  /** The request limiter: the extra messages of a batch are charged to the caller's budget. */
  readonly requestLimiter?: RateLimiter;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * Serves MCP at `/mcp` over Streamable HTTP in stateful mode (sessions with `Mcp-Session-Id`), so
 * clients can hold the GET stream that carries `notifications/tools/list_changed`. Authentication and
 * the request rate limit run before (the auth plugin guards the path with the `tools` scope); this
 * route checks the Origin against DNS rebinding, bounds bodies and batches, binds every session to
 * the caller that opened it, and hands the rest to the SDK's transport.
 */
export async function registerMcpRoute(server: FastifyInstance, options: McpRouteOptions): Promise<void> {
  const metrics = createMcpMetrics(options.registry);
  const allowedOrigins = new Set(options.settings.allowedOrigins);
  const sessions = new McpHttpSessions({
    maxSessions: options.settings.maxSessions,
    maxSessionsPerCaller: options.settings.maxSessionsPerCaller,
    idleMs: options.settings.sessionIdleMinutes * 60_000,
    catalog: options.catalog,
    metrics,
    logger: options.logger,
    ...(options.now ? { now: options.now } : {}),
    createServer: (caller) =>
      createMcpServer({ catalog: options.catalog, tools: options.tools, caller, hostVersion: options.hostVersion, transport: 'http', logger: options.logger, metrics }),
  });
  sessions.startSweeping();
  const handler = createMcpRequestHandler({
    sessions,
    metrics,
    settings: options.settings,
    clientIp: options.clientIp,
    requestLimiter: options.requestLimiter,
    requestDeadlineMs: options.requestDeadlineMs,
  });

  await server.register(async (scope) => {
    configureMcpScope(scope, sessions, options.bodyLimitBytes);
    scope.route<{ Body: string | undefined }>({
      method: ['GET', 'POST', 'DELETE'],
      url: MCP_PATH,
      exposeHeadRoute: false,
      bodyLimit: options.bodyLimitBytes,
      // Before the body is read: a refused origin or media type never costs an upload.
      onRequest: async (request, reply) => {
        const refusal = checkMcpHeaders(request, allowedOrigins);
        return refusal === undefined ? undefined : sendRefusal(reply, refusal, metrics);
      },
      handler,
    });
    scope.route({ method: ['PUT', 'PATCH', 'OPTIONS'], url: MCP_PATH, handler: async (_request, reply) => sendRefusal(reply, METHOD_NOT_ALLOWED, metrics) });
  });
}
