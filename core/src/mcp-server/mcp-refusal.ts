import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyReply } from 'fastify';
import type { HostConfig } from '../config/env-config.js';
import type { McpSessionRefusal } from './mcp-http-sessions.js';
import type { McpMetrics, McpRefusalReason } from './mcp-metrics.js';

/** A refusal answered by the route itself: the HTTP status, and a JSON-RPC error body as the SDK's transport writes them. */
export interface McpRefusal {
  readonly status: number;
  readonly code: number;
  readonly message: string;
  readonly reason: McpRefusalReason;
  readonly headers?: Record<string, string>;
}

/** Tells a refusal from the other outcomes of a route step. */
export function isRefusal(value: object): value is McpRefusal {
  return 'status' in value;
}

/** Counts the refusal by reason and answers it. */
export function sendRefusal(reply: FastifyReply, refusal: McpRefusal, metrics: Pick<McpMetrics, 'refusals'>): FastifyReply {
  metrics.refusals.inc({ reason: refusal.reason });
  return reply
    .code(refusal.status)
    .headers(refusal.headers ?? {})
    .type('application/json')
    .send({ jsonrpc: '2.0', error: { code: refusal.code, message: refusal.message }, id: null });
}

/** Why no new session (or notification stream) could be had, with when to retry. */
export function sessionRefusal(refusal: McpSessionRefusal, settings: HostConfig['mcp']): McpRefusal {
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

/** A POST the SDK never answered in time (it sends nothing for a request its client cancelled). */
export function deadlineRefusal(requestDeadlineMs: number): McpRefusal {
  return {
    status: 504,
    code: ErrorCode.RequestTimeout,
    message: `Request timed out: no answer within ${requestDeadlineMs} ms (a cancelled request is never answered)`,
    reason: 'deadline_exceeded',
  };
}

export const METHOD_NOT_ALLOWED: McpRefusal = {
  status: 405,
  code: -32000,
  message: 'Method not allowed: use POST, GET or DELETE',
  reason: 'method_not_allowed',
  headers: { allow: 'GET, POST, DELETE' },
};
