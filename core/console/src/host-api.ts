import type {
  DescribeConversationResponse,
  ExportConversationResponse,
  ListAuditEntriesRequest,
  ListAuditEntriesResponse,
  ListConversationsResponse,
  RenameConversationResponse,
  ListPluginsResponse,
  PluginResponse,
  ReloadPluginsResponse,
  TwirpErrorBody,
  Whoami,
} from './wire-types.js';

/** How the console reaches the host: same origin by default, with the signed-in key if there is one. */
export interface HostConnection {
  /** Prefix for every path; `''` in the browser (same origin), an absolute URL in Node tests. */
  readonly baseUrl: string;
  /** Absent on hosts that admit the caller without a key (AUTH_DISABLED, trusted networks). */
  readonly apiKey: string | undefined;
  readonly fetch?: typeof fetch;
}

/** A failed host call, with the Twirp code (`unauthenticated`, `unavailable`, …) and HTTP status. */
export class HostApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly meta: Readonly<Record<string, string>>;

  constructor(code: string, message: string, options: { status?: number; meta?: Readonly<Record<string, string>>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HostApiError';
    this.code = code;
    this.status = options.status ?? 0;
    this.meta = options.meta ?? {};
  }
}

export const CHAT_SERVICE = 'acai.chat.ChatService';
export const PLUGIN_SERVICE = 'acai.admin.PluginService';
export const AUDIT_SERVICE = 'acai.admin.AuditService';

/** The request headers that carry the key (never a cookie: the key lives in memory and sessionStorage). */
export function authorizationHeaders(connection: HostConnection): Record<string, string> {
  return connection.apiKey === undefined ? {} : { authorization: `Bearer ${connection.apiKey}` };
}

/** Sends a request; a network failure (host down, connection refused) becomes `unavailable`. */
export async function send(connection: HostConnection, path: string, init: RequestInit): Promise<Response> {
  const fetchFunction = connection.fetch ?? globalThis.fetch;
  try {
    return await fetchFunction(`${connection.baseUrl}${path}`, init);
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new HostApiError('unavailable', 'cannot reach the host (is it running?)', { cause: error });
  }
}

/** True for the error a fetch or stream read rejects with after its AbortSignal fired. */
export function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** Turns a non-2xx answer into a HostApiError, reading the Twirp error body when there is one. */
export async function errorFromResponse(response: Response): Promise<HostApiError> {
  const text = await response.text().catch(() => '');
  const body = parseTwirpError(text);
  if (body !== undefined) {
    const meta = { ...body.meta };
    const retryAfter = response.headers.get('retry-after');
    if (retryAfter !== null && meta.retry_after_seconds === undefined) meta.retry_after_seconds = retryAfter;
    return new HostApiError(body.code, body.msg, { status: response.status, meta });
  }
  return new HostApiError(response.status >= 500 ? 'unavailable' : 'unknown', `the host answered HTTP ${response.status}`, { status: response.status });
}

/** A Twirp error body, or undefined when `text` is not one. */
export function parseTwirpError(text: string): TwirpErrorBody | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { code, msg, meta } = value as Record<string, unknown>;
    if (typeof code !== 'string' || typeof msg !== 'string') return undefined;
    const cleanMeta: Record<string, string> = {};
    if (typeof meta === 'object' && meta !== null) {
      for (const [key, entry] of Object.entries(meta)) if (typeof entry === 'string') cleanMeta[key] = entry;
    }
    return { code, msg, meta: cleanMeta };
  } catch {
    return undefined;
  }
}

/** One Twirp JSON call. */
export async function callTwirp<Output>(connection: HostConnection, service: string, method: string, body: object, signal?: AbortSignal): Promise<Output> {
  const response = await send(connection, `/twirp/${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...authorizationHeaders(connection) },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as Output;
}

/** Who the connection's key makes the caller (tenant, scopes); `unauthenticated` for a bad or missing key. */
export async function fetchWhoami(connection: HostConnection): Promise<Whoami> {
  const response = await send(connection, '/auth/whoami', { headers: { accept: 'application/json', ...authorizationHeaders(connection) } });
  return readWhoami(response);
}

/**
 * Signs a person in with the connection's key (`POST /auth/sign-in`): the same answer as whoami, and
 * the host records a sign-in with the admin scope in its audit trail.
 */
export async function signIn(connection: HostConnection): Promise<Whoami> {
  const response = await send(connection, '/auth/sign-in', { method: 'POST', headers: { accept: 'application/json', ...authorizationHeaders(connection) } });
  return readWhoami(response);
}

async function readWhoami(response: Response): Promise<Whoami> {
  if (!response.ok) throw await errorFromResponse(response);
  const body = (await response.json()) as Partial<Whoami>;
  if (typeof body.tenant_id !== 'string' || !Array.isArray(body.scopes)) throw new HostApiError('internal', 'the host sent an unexpected identity');
  return { tenant_id: body.tenant_id, scopes: body.scopes.filter((scope) => typeof scope === 'string'), source: String(body.source ?? 'api_key'), ...(body.key_id === undefined ? {} : { key_id: body.key_id }) };
}

/** The Prometheus text exposition from `/metrics` (needs the `metrics` or `admin` scope). */
export async function fetchMetricsText(connection: HostConnection, signal?: AbortSignal): Promise<string> {
  const response = await send(connection, '/metrics', {
    headers: { accept: 'text/plain', ...authorizationHeaders(connection) },
    ...(signal === undefined ? {} : { signal }),
  });
  if (!response.ok) throw await errorFromResponse(response);
  return response.text();
}

/** The chat RPCs the console uses besides streaming. */
export const chatApi = {
  /** A page newest updated first; with `query`, only conversations whose title or messages contain it. */
  listConversations: (connection: HostConnection, pageSize: number, pageToken?: string, query?: string) =>
    callTwirp<ListConversationsResponse>(connection, CHAT_SERVICE, 'ListConversations', {
      page_size: pageSize,
      ...(pageToken ? { page_token: pageToken } : {}),
      ...(query ? { query } : {}),
    }),
  describeConversation: (connection: HostConnection, conversationId: string) =>
    callTwirp<DescribeConversationResponse>(connection, CHAT_SERVICE, 'DescribeConversation', { conversation_id: conversationId }),
  renameConversation: (connection: HostConnection, conversationId: string, title: string) =>
    callTwirp<RenameConversationResponse>(connection, CHAT_SERVICE, 'RenameConversation', { conversation_id: conversationId, title }),
  deleteConversation: (connection: HostConnection, conversationId: string) =>
    callTwirp<Record<string, never>>(connection, CHAT_SERVICE, 'DeleteConversation', { conversation_id: conversationId }),
  exportConversation: (connection: HostConnection, conversationId: string, format: 'json' | 'markdown') =>
    callTwirp<ExportConversationResponse>(connection, CHAT_SERVICE, 'ExportConversation', {
      conversation_id: conversationId,
      format: format === 'json' ? 'EXPORT_FORMAT_JSON' : 'EXPORT_FORMAT_MARKDOWN',
    }),
};

/** acai.admin.PluginService (admin scope). */
export const pluginApi = {
  listPlugins: (connection: HostConnection) => callTwirp<ListPluginsResponse>(connection, PLUGIN_SERVICE, 'ListPlugins', {}),
  enablePlugin: (connection: HostConnection, name: string) => callTwirp<PluginResponse>(connection, PLUGIN_SERVICE, 'EnablePlugin', { name }),
  disablePlugin: (connection: HostConnection, name: string) => callTwirp<PluginResponse>(connection, PLUGIN_SERVICE, 'DisablePlugin', { name }),
  resetBreaker: (connection: HostConnection, name: string) => callTwirp<PluginResponse>(connection, PLUGIN_SERVICE, 'ResetBreaker', { name }),
  clearPluginOverride: (connection: HostConnection, name: string) => callTwirp<PluginResponse>(connection, PLUGIN_SERVICE, 'ClearPluginOverride', { name }),
  reloadPlugins: (connection: HostConnection) => callTwirp<ReloadPluginsResponse>(connection, PLUGIN_SERVICE, 'ReloadPlugins', {}),
};

/** acai.admin.AuditService (admin scope; tenant-scoped unless the key's tenant is an operator tenant). */
export const auditApi = {
  listAuditEntries: (connection: HostConnection, request: ListAuditEntriesRequest, signal?: AbortSignal) =>
    callTwirp<ListAuditEntriesResponse>(connection, AUDIT_SERVICE, 'ListAuditEntries', request, signal),
};
