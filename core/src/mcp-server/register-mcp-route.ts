import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { ErrorCode, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ClientIpResolver, Principal } from '../auth/index.js';
import type { HostConfig } from '../config/env-config.js';
import { rateLimitKey, type RateLimiter } from '../rate-limit/index.js';
import type { ToolExecutor } from '../tool-calls/index.js';
import { connectionAuthInfo, createMcpServer, type McpCaller } from './create-mcp-server.js';
import { McpHttpSessions, type McpHttpSession } from './mcp-http-sessions.js';
import { createMcpMetrics, type McpRefusalReason } from './mcp-metrics.js';
import type { McpToolCatalog } from './mcp-tool-catalog.js';
import { flushingEventStream, toWebRequest } from './web-request-bridge.js';

/** Where the host serves MCP over Streamable HTTP. */
export const MCP_PATH = '/mcp';

/** Most messages one POST may batch (JSON-RPC batches exist only in protocol 2025-03-26; every extra message also costs a request token). */
export const MAX_BATCH_MESSAGES = 20;

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

/** A refusal before any session: the HTTP status, and a JSON-RPC error body as the SDK's transport writes them. */
interface Refusal {
  readonly status: number;
  readonly code: number;
  readonly message: string;
  readonly reason: McpRefusalReason;
  readonly headers?: Record<string, string>;
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

  const refuse = (reply: FastifyReply, refusal: Refusal): FastifyReply => {
    metrics.refusals.inc({ reason: refusal.reason });
    return reply
      .code(refusal.status)
      .headers(refusal.headers ?? {})
      .type('application/json')
      .send({ jsonrpc: '2.0', error: { code: refusal.code, message: refusal.message }, id: null });
  };

  /** Every message of a batch past the first costs one more request of the caller's rate limit. */
  const chargeBatch = async (request: FastifyRequest, body: unknown): Promise<Refusal | undefined> => {
    if (!Array.isArray(body) || body.length < 2 || options.requestLimiter === undefined) return undefined;
    const budget = await options.requestLimiter.consume(rateLimitKey(request, options.clientIp), { cost: body.length - 1 });
    if (budget.allowed || budget.isDegraded === true) return undefined;
    return {
      status: 429,
      code: -32000,
      message: `Too Many Requests: a batch of ${body.length} messages costs ${body.length} requests of the rate limit; retry in ${budget.retryAfterSeconds} s`,
      reason: 'rate_limited',
      headers: { 'retry-after': String(budget.retryAfterSeconds) },
    };
  };

  /** The caller's session named by Mcp-Session-Id, or a new one for an initialize. */
  const sessionFor = async (request: FastifyRequest, body: unknown, owner: string, caller: McpCaller): Promise<{ session: McpHttpSession; isNew: boolean } | Refusal> => {
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const found = sessions.find(sessionId, owner);
      if (typeof found !== 'string') return { session: found, isNew: false };
      if (found === 'session_wrong_caller') request.log.warn({ session: sessionId.slice(0, 64) }, 'MCP session used by a caller that did not open it; refused');
      return { status: 404, code: -32001, message: 'Session not found', reason: found };
    }
    if (request.method === 'POST' && isMalformedInitialize(body)) {
      return {
        status: 400,
        code: ErrorCode.InvalidParams,
        message: 'Invalid params: initialize needs params.protocolVersion, params.capabilities and params.clientInfo {name, version}',
        reason: 'invalid_initialize',
      };
    }
    if (request.method !== 'POST' || !containsInitialize(body)) {
      return { status: 400, code: -32000, message: 'Bad Request: Mcp-Session-Id header is required (start a session with an initialize request)', reason: 'session_required' };
    }
    const opened = await sessions.open(owner, caller);
    return typeof opened === 'string' ? sessionRefusal(opened, options.settings) : { session: opened, isNew: true };
  };

  // An encapsulated child: the body parser and the error handler apply to /mcp only.
  await server.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // The body stays text until the route has checked what it may: the JSON-RPC parse error is ours to answer.
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: options.bodyLimitBytes }, (_request, body, done) => done(null, body));
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) request.log.error({ err: error }, 'MCP request failed');
      const message =
        status === 413 ? `Payload Too Large: the body must not exceed ${options.bodyLimitBytes} bytes` : status === 500 ? 'Internal error' : `Bad Request: ${error.message}`;
      return reply.code(status).type('application/json').send({ jsonrpc: '2.0', error: { code: status === 500 ? ErrorCode.InternalError : -32000, message }, id: null });
    });
    // Stream-holding GETs would keep the HTTP server from closing: end them first, close sessions last.
    scope.addHook('preClose', (done) => {
      sessions.drain();
      done();
    });
    scope.addHook('onClose', async () => sessions.closeAll('shutdown'));

    scope.route<{ Body: string | undefined }>({
      method: ['GET', 'POST', 'DELETE'],
      url: MCP_PATH,
      exposeHeadRoute: false,
      bodyLimit: options.bodyLimitBytes,
      // Before the body is read: a refused origin or media type never costs an upload.
      onRequest: async (request, reply) => {
        const refusal = checkHeaders(request, allowedOrigins);
        if (refusal !== undefined) return refuse(reply, refusal);
        return undefined;
      },
      handler: async (request, reply) => {
        const principal = request.principal;
        // The auth plugin guards this path; a principal is always there unless the wiring is wrong.
        if (principal === undefined) throw new Error('the /mcp route is not behind the auth plugin');
        const owner = ownerOf(principal, options.clientIp(request));
        const caller: McpCaller = { tenantId: principal.tenantId, ...(principal.keyId === undefined ? {} : { keyId: principal.keyId }) };

        let parsedBody: unknown;
        if (request.method === 'POST') {
          const parsed = parseMessages(request.body);
          if ('status' in parsed) return refuse(reply, parsed);
          parsedBody = parsed.body;
          const overBudget = await chargeBatch(request, parsedBody);
          if (overBudget !== undefined) return refuse(reply, overBudget);
        }
        const target = await sessionFor(request, parsedBody, owner, caller);
        if ('status' in target) return refuse(reply, target);
        const { session, isNew } = target;

        const controller = new AbortController();
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) controller.abort(new Error('the MCP client closed the request'));
        });
        const webRequest = toWebRequest(request);
        const authInfo = connectionAuthInfo(caller, principal.scopes, controller.signal);
        if (request.method === 'GET') {
          // A client reconnecting its stream during shutdown would hold the server open again.
          if (sessions.isDraining) return refuse(reply, sessionRefusal('shutting_down', options.settings));
          // The notification stream keeps the session busy (never idle) while it is open.
          reply.raw.once('close', sessions.hold(session));
          return reply.send(flushingEventStream(await session.transport.handleRequest(webRequest, { authInfo })));
        }
        // The request keeps the session busy (never idle) until it is answered, or given up on.
        const release = sessions.hold(session);
        let response: Response | undefined;
        try {
          // The SDK sends nothing for a request its client cancelled, and the POST would wait forever.
          response = await withDeadline(session.transport.handleRequest(webRequest, { authInfo, ...(parsedBody === undefined ? {} : { parsedBody }) }), options.requestDeadlineMs);
        } finally {
          release();
        }
        if (response === undefined) {
          return refuse(reply, {
            status: 504,
            code: ErrorCode.RequestTimeout,
            message: `Request timed out: no answer within ${options.requestDeadlineMs} ms (a cancelled request is never answered)`,
            reason: 'deadline_exceeded',
          });
        }
        if (isNew) {
          await sessions.discardUnlessInitialized(session);
          if (session.transport.sessionId !== undefined) request.log.info({ session: session.id, tenant: caller.tenantId }, 'MCP session opened');
        }
        return reply.send(response);
      },
    });
    scope.route({
      method: ['PUT', 'PATCH', 'OPTIONS'],
      url: MCP_PATH,
      handler: async (_request, reply) =>
        refuse(reply, { status: 405, code: -32000, message: 'Method not allowed: use POST, GET or DELETE', reason: 'method_not_allowed', headers: { allow: 'GET, POST, DELETE' } }),
    });
  });
}

/** The promise's value, or undefined when it takes longer than `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Origin (DNS rebinding), Accept and Content-Type, in the order the SDK's transport checks them. */
function checkHeaders(request: FastifyRequest, allowedOrigins: ReadonlySet<string>): Refusal | undefined {
  const origin = request.headers.origin;
  // Desktop apps, IDEs and SDK clients send no Origin; a browser always does on a POST. A page that
  // rebinds its own DNS name to this host must not reach the tools with a trusted network's access.
  if (origin !== undefined && !allowedOrigins.has(origin)) {
    return { status: 403, code: -32000, message: 'Forbidden: this Origin may not use /mcp (see MCP_ALLOWED_ORIGINS)', reason: 'origin' };
  }
  const accept = request.headers.accept ?? '';
  if (request.method === 'POST') {
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return { status: 406, code: -32000, message: 'Not Acceptable: Client must accept both application/json and text/event-stream', reason: 'not_acceptable' };
    }
    if (!isJsonContentType(request.headers['content-type'] ?? null)) {
      return { status: 415, code: -32000, message: 'Unsupported Media Type: Content-Type must be application/json', reason: 'unsupported_media_type' };
    }
  } else if (request.method === 'GET' && !accept.includes('text/event-stream')) {
    return { status: 406, code: -32000, message: 'Not Acceptable: Client must accept text/event-stream', reason: 'not_acceptable' };
  }
  return undefined;
}

/** Parses a POST body: one JSON-RPC message or a bounded batch (the SDK validates each message's shape). */
function parseMessages(body: string | undefined): { body: unknown } | Refusal {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return { status: 400, code: ErrorCode.ParseError, message: 'Parse error: Invalid JSON', reason: 'parse_error' };
  }
  if (Array.isArray(parsed) && (parsed.length === 0 || parsed.length > MAX_BATCH_MESSAGES)) {
    return {
      status: 400,
      code: ErrorCode.InvalidRequest,
      message: `Invalid Request: a batch must hold 1 to ${MAX_BATCH_MESSAGES} messages (got ${parsed.length}); send one message per request`,
      reason: 'invalid_batch',
    };
  }
  return { body: parsed };
}

function containsInitialize(body: unknown): boolean {
  return Array.isArray(body) ? body.some((message) => isInitializeRequest(message)) : isInitializeRequest(body);
}

/** An initialize whose params the SDK would not recognise: answered here, since no session can take it. */
function isMalformedInitialize(body: unknown): boolean {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.some((message) => typeof message === 'object' && message !== null && (message as { method?: unknown }).method === 'initialize' && !isInitializeRequest(message));
}

/** Sessions belong to an API key; keyless callers (trusted networks, AUTH_DISABLED) to their tenant and address. */
function ownerOf(principal: Principal, clientAddress: string): string {
  return principal.keyId !== undefined ? `key:${principal.keyId}` : `${principal.source}:${principal.tenantId}:${clientAddress}`;
}

function sessionRefusal(refusal: 'sessions_full' | 'caller_sessions_full' | 'shutting_down', settings: HostConfig['mcp']): Refusal {
  switch (refusal) {
    case 'sessions_full':
      return { status: 503, code: -32000, message: `Service Unavailable: this host has its maximum of ${settings.maxSessions} MCP sessions open; retry later`, reason: refusal, headers: { 'retry-after': '60' } };
    case 'caller_sessions_full':
      return {
        status: 429,
        code: -32000,
        message: `Too Many Requests: this caller already has ${settings.maxSessionsPerCaller} MCP sessions open; end one with DELETE /mcp or let it expire (${settings.sessionIdleMinutes} min idle)`,
        reason: refusal,
        headers: { 'retry-after': '60' },
      };
    default:
      return { status: 503, code: -32000, message: 'Service Unavailable: the host is shutting down', reason: refusal };
  }
}
