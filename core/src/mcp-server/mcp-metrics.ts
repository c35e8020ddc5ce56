import { Counter, Gauge, type Registry } from 'prom-client';

/** How an MCP client reaches Acai. */
export type McpTransportKind = 'stdio' | 'http';

/** Why a request to /mcp was refused before it reached a session (a bounded label set). */
export type McpRefusalReason =
  | 'origin'
  | 'not_acceptable'
  | 'unsupported_media_type'
  | 'parse_error'
  | 'invalid_batch'
  | 'rate_limited'
  | 'session_required'
  | 'invalid_initialize'
  | 'session_not_found'
  | 'session_wrong_caller'
  | 'sessions_full'
  | 'caller_sessions_full'
  | 'shutting_down'
  | 'deadline_exceeded'
  | 'method_not_allowed';

/** Why a session ended. */
export type McpSessionEndReason = 'deleted' | 'idle' | 'shutdown' | 'failed_initialize' | 'closed';

/** The MCP server's Prometheus metrics (tool calls themselves are counted by the plugin host's call path). */
export interface McpMetrics {
  /** acai_mcp_sessions{transport} — sessions open now. */
  readonly sessions: Gauge<'transport'>;
  /** acai_mcp_sessions_closed_total{transport,reason} */
  readonly sessionsClosed: Counter<'transport' | 'reason'>;
  /** acai_mcp_requests_total{transport,method} — JSON-RPC requests received, by MCP method. */
  readonly requests: Counter<'transport' | 'method'>;
  /** acai_mcp_http_refusals_total{reason} — /mcp requests refused before they reached a session. */
  readonly refusals: Counter<'reason'>;
}

// Methods outside this list are counted as "other", so a client inventing names cannot grow the series.
const KNOWN_METHODS = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
]);

/** The `method` label for a JSON-RPC method name. */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}

/** Registers (or reuses, when several apps share a registry) the MCP metrics. */
export function createMcpMetrics(registry: Registry): McpMetrics {
  const reuse = <T>(name: string, create: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? create();
  const registers = [registry];
  return {
    sessions: reuse('acai_mcp_sessions', () => new Gauge({ name: 'acai_mcp_sessions', help: 'MCP sessions open now, by transport.', labelNames: ['transport'], registers })),
    sessionsClosed: reuse(
      'acai_mcp_sessions_closed_total',
      () =>
        new Counter({
          name: 'acai_mcp_sessions_closed_total',
          help: 'MCP sessions that ended, by transport and reason (deleted, idle, shutdown, failed_initialize, closed).',
          labelNames: ['transport', 'reason'],
          registers,
        }),
    ),
    requests: reuse(
      'acai_mcp_requests_total',
      () => new Counter({ name: 'acai_mcp_requests_total', help: 'MCP JSON-RPC requests received, by transport and method.', labelNames: ['transport', 'method'], registers }),
    ),
    refusals: reuse(
      'acai_mcp_http_refusals_total',
      () => new Counter({ name: 'acai_mcp_http_refusals_total', help: 'Requests to /mcp refused before they reached an MCP session, by reason.', labelNames: ['reason'], registers }),
    ),
  };
}
