import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/index.js';
import type { HostConfig } from '../config/env-config.js';
import type { McpCaller } from './create-mcp-server.js';
import type { McpHttpSession, McpHttpSessions } from './mcp-http-sessions.js';
import { sessionRefusal, type McpRefusal } from './mcp-refusal.js';
import { containsInitialize, isMalformedInitialize } from './parse-mcp-messages.js';

/** The session a request goes to: one the caller opened before, or one opened now for its initialize. */
export type McpSessionTarget = { readonly kind: 'existing'; readonly session: McpHttpSession } | { readonly kind: 'opened'; readonly session: McpHttpSession };

/** The request as far as choosing its session goes. */
export interface McpSessionRequest {
  readonly method: string;
  /** The `Mcp-Session-Id` header. */
  readonly sessionId: string | string[] | undefined;
  /** The parsed POST body (undefined for GET and DELETE). */
  readonly body: unknown;
  /** Who the session belongs to ({@link mcpSessionOwner}). */
  readonly owner: string;
  readonly caller: McpCaller;
}

/** Sessions belong to an API key; keyless callers (trusted networks, AUTH_DISABLED) to their tenant and address. */
export function mcpSessionOwner(principal: Principal, clientAddress: string): string {
  return principal.keyId !== undefined ? `key:${principal.keyId}` : `${principal.source}:${principal.tenantId}:${clientAddress}`;
}

/**
 * The caller's session named by `Mcp-Session-Id` — never another caller's, which is answered as if it did
 * not exist — or a new one for an initialize; anything else is refused. `onWrongCaller` hears of a session
 * id used by a caller that did not open it (worth a warning: a leaked or guessed id).
 */
export async function resolveMcpSession(
  sessions: McpHttpSessions,
  request: McpSessionRequest,
  settings: HostConfig['mcp'],
  onWrongCaller: (sessionId: string) => void,
): Promise<McpSessionTarget | McpRefusal> {
  if (typeof request.sessionId === 'string') {
    const found = sessions.find(request.sessionId, request.owner);
    if (typeof found !== 'string') return { kind: 'existing', session: found };
    if (found === 'session_wrong_caller') onWrongCaller(request.sessionId);
    return { status: 404, code: -32001, message: 'Session not found', reason: found };
  }
  if (request.method === 'POST' && isMalformedInitialize(request.body)) {
    return {
      status: 400,
      code: ErrorCode.InvalidParams,
      message: 'Invalid params: initialize needs params.protocolVersion, params.capabilities and params.clientInfo {name, version}',
      reason: 'invalid_initialize',
    };
  }
  if (request.method !== 'POST' || !containsInitialize(request.body)) {
    return { status: 400, code: -32000, message: 'Bad Request: Mcp-Session-Id header is required (start a session with an initialize request)', reason: 'session_required' };
  }
  const opened = await sessions.open(request.owner, request.caller);
  return typeof opened === 'string' ? sessionRefusal(opened, settings) : { kind: 'opened', session: opened };
}
