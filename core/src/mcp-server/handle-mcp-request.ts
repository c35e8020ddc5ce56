import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientIpResolver } from '../client-address/index.js';
import type { HostConfig } from '../config/env-config.js';
import { rateLimitKey, type RateLimiter } from '../rate-limit/index.js';
import { chargeMcpBatch } from './charge-mcp-batch.js';
import { connectionAuthInfo, type McpCaller } from './create-mcp-server.js';
import type { McpHttpSessions } from './mcp-http-sessions.js';
import type { McpMetrics } from './mcp-metrics.js';
import { deadlineRefusal, isRefusal, sendRefusal, sessionRefusal } from './mcp-refusal.js';
import { parseMcpMessages } from './parse-mcp-messages.js';
import { mcpSessionOwner, resolveMcpSession } from './resolve-mcp-session.js';
import { flushingEventStream, toWebRequest } from './web-request-bridge.js';

/** What {@link createMcpRequestHandler} needs. */
export interface McpRequestHandlerOptions {
  readonly sessions: McpHttpSessions;
  readonly metrics: McpMetrics;
  readonly settings: HostConfig['mcp'];
  readonly clientIp: ClientIpResolver;
  readonly requestLimiter?: RateLimiter | undefined;
  /** A POST not answered by then (a request its client cancelled never is) gets a timeout error. */
  readonly requestDeadlineMs: number;
}

/**
 * The `/mcp` handler, after the header checks: parse and bound a POST body and charge its batch, find or
 * open the caller's session, then hand the request to that session's SDK transport — a GET as the
 * long-lived notification stream, a POST or DELETE answered within the request deadline.
 */
export function createMcpRequestHandler(options: McpRequestHandlerOptions) {
  const { sessions, metrics, settings } = options;
  return async (request: FastifyRequest<{ Body: string | undefined }>, reply: FastifyReply): Promise<FastifyReply> => {
    const principal = request.principal;
    // The auth plugin guards this path; a principal is always there unless the wiring is wrong.
    if (principal === undefined) throw new Error('the /mcp route is not behind the auth plugin');
    const caller: McpCaller = { tenantId: principal.tenantId, ...(principal.keyId === undefined ? {} : { keyId: principal.keyId }) };

    let parsedBody: unknown;
    if (request.method === 'POST') {
      const parsed = parseMcpMessages(request.body);
      if (isRefusal(parsed)) return sendRefusal(reply, parsed, metrics);
      parsedBody = parsed.body;
      const overBudget = await chargeMcpBatch(options.requestLimiter, rateLimitKey(request, options.clientIp), parsedBody);
      if (overBudget !== undefined) return sendRefusal(reply, overBudget, metrics);
    }
    const target = await resolveMcpSession(
      sessions,
      { method: request.method, sessionId: request.headers['mcp-session-id'], body: parsedBody, owner: mcpSessionOwner(principal, options.clientIp(request)), caller },
      settings,
      (sessionId) => request.log.warn({ session: sessionId.slice(0, 64) }, 'MCP session used by a caller that did not open it; refused'),
    );
    if (isRefusal(target)) return sendRefusal(reply, target, metrics);
    const { session } = target;

    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort(new Error('the MCP client closed the request'));
    });
    const webRequest = toWebRequest(request);
    const authInfo = connectionAuthInfo(caller, principal.scopes, controller.signal);
    if (request.method === 'GET') {
      // A client reconnecting its stream during shutdown would hold the server open again.
      if (sessions.isDraining) return sendRefusal(reply, sessionRefusal('shutting_down', settings), metrics);
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
    if (response === undefined) return sendRefusal(reply, deadlineRefusal(options.requestDeadlineMs), metrics);
    if (target.kind === 'opened') {
      await sessions.discardUnlessInitialized(session);
      if (session.transport.sessionId !== undefined) request.log.info({ session: session.id, tenant: caller.tenantId }, 'MCP session opened');
    }
    return reply.send(response);
  };
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
