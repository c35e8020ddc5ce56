import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolRequest, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { ACAI_TENANT_ID, ACAI_TOOL_OUTCOME, GEN_AI_TOOL_NAME, withSpan } from '../observability/index.js';
import type { ToolCallResult, ToolExecutor } from '../tool-calls/index.js';
import { methodLabel, type McpMetrics, type McpTransportKind } from './mcp-metrics.js';
import type { McpToolCatalog } from './mcp-tool-catalog.js';

/** Who is calling, fixed for a session: the tenant drives the tool quotas, the key id the logs. */
export interface McpCaller {
  readonly tenantId: string;
  /** The API key's public id; absent over stdio, from trusted networks and with AUTH_DISABLED. */
  readonly keyId?: string;
}

/** Options for {@link createMcpServer}. */
export interface CreateMcpServerOptions {
  readonly catalog: McpToolCatalog;
  /** The instrumented call path the chat loop uses: tool span, tenant quota, validation, policy, cap, scrubbing, metrics. */
  readonly tools: ToolExecutor;
  readonly caller: McpCaller;
  readonly hostVersion: string;
  readonly transport: McpTransportKind;
  readonly logger: Logger;
  readonly metrics: McpMetrics;
}

// Protocol.setRequestHandler parses a request with the schema it is given before the Server's own
// tools/call check can answer malformed params with InvalidParams (-32602); a schema that pins only the
// method lets that check run, instead of a zod error surfacing as InternalError (-32603).
const TOOLS_CALL_METHOD = CallToolRequestSchema.pick({ method: true }).passthrough();

const INSTRUCTIONS =
  'Tools of the plugins loaded by this Acai host, named <plugin>__<tool>. Every call runs through the host call path ' +
  '(argument validation, timeout, concurrency limit, circuit breaker, output cap, secret scrubbing); a failure comes back ' +
  'as a tool result with isError and a JSON {"error":{"code","message"}} text that says what to do. Tools of a plugin ' +
  'whose breaker is open are left out of tools/list until it recovers.';

/**
 * An MCP server (the SDK's low-level `Server`, raw JSON Schema) over the plugin host: `tools/list` lists
 * the tools a model may call now, `tools/call` runs one through the same call path as a chat turn. Tool
 * failures are results with `isError: true` and the text a model would get; an unknown tool is a
 * JSON-RPC `InvalidParams` error, as is a `tools/call` request the SDK's schema refuses.
 */
export function createMcpServer(options: CreateMcpServerOptions): Server {
  // The high-level McpServer needs zod schemas per tool; the low-level Server takes JSON Schema as it is.
  const server = new Server(
    { name: 'acai', title: 'Acai', version: options.hostVersion },
    {
      capabilities: { tools: { listChanged: true } },
      instructions: INSTRUCTIONS,
      // A reload that changes several plugins at once becomes one notification.
      debouncedNotificationMethods: ['notifications/tools/list_changed'],
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...options.catalog.list()] }));
  server.setRequestHandler(TOOLS_CALL_METHOD, async (request, extra) => {
    // The Server validated the request against CallToolRequestSchema before calling this handler.
    const { params } = request as CallToolRequest;
    try {
      return await callTool(options, { name: params.name, arguments: params.arguments }, {
        signal: extra.signal,
        requestId: extra.requestId,
        sessionId: extra.sessionId,
        connectionSignal: connectionSignalOf(extra.authInfo),
      });
    } catch (error) {
      if (error instanceof McpError) throw error;
      // The SDK would send the message of anything else to the client: log it, answer generically.
      options.logger.error({ err: error, tool: params.name }, 'MCP tool call failed unexpectedly');
      throw new McpError(ErrorCode.InternalError, 'Internal error: the tool call could not be run');
    }
  });
  server.onerror = (error) => options.logger.info({ err: error, transport: options.transport }, 'MCP message refused');
  return server;
}

/** Counts every JSON-RPC request a transport receives, by method; call before `server.connect(transport)` (the SDK chains it). */
export function countMcpRequests(transport: Transport, metrics: McpMetrics, kind: McpTransportKind): void {
  transport.onmessage = (message) => {
    if ('method' in message && 'id' in message) metrics.requests.inc({ transport: kind, method: methodLabel(message.method) });
  };
}

/**
 * The Streamable HTTP transport hands a request's AuthInfo to the handlers; Acai's carries the HTTP
 * request's abort signal, so a tool call stops when its client goes away.
 */
export function connectionAuthInfo(caller: McpCaller, scopes: readonly string[], signal: AbortSignal): AuthInfo {
  return { token: '', clientId: caller.keyId ?? caller.tenantId, scopes: [...scopes], extra: { connectionSignal: signal } };
}

function connectionSignalOf(authInfo: AuthInfo | undefined): AbortSignal | undefined {
  const signal = authInfo?.extra?.['connectionSignal'];
  return signal instanceof AbortSignal ? signal : undefined;
}

interface CallContext {
  /** Fires on notifications/cancelled or when the session closes. */
  readonly signal: AbortSignal;
  readonly requestId: string | number;
  readonly sessionId: string | undefined;
  /** Fires when the HTTP request carrying the call is abandoned. */
  readonly connectionSignal: AbortSignal | undefined;
}

async function callTool(
  options: CreateMcpServerOptions,
  params: { name: string; arguments?: Record<string, unknown> | undefined },
  context: CallContext,
): Promise<CallToolResult> {
  const { caller, tools, logger } = options;
  const rawArguments = serializeArguments(params.arguments);
  const signal = context.connectionSignal === undefined ? context.signal : AbortSignal.any([context.signal, context.connectionSignal]);
  const attributes = {
    'mcp.method.name': 'tools/call',
    'jsonrpc.request.id': String(context.requestId),
    'network.transport': options.transport === 'stdio' ? 'pipe' : 'tcp',
    [GEN_AI_TOOL_NAME]: params.name,
    [ACAI_TENANT_ID]: caller.tenantId,
    ...(context.sessionId === undefined ? {} : { 'mcp.session.id': context.sessionId }),
  };
  // Over HTTP this nests under the request's server span; over stdio it is the root of the trace.
  const result = await withSpan(
    `tools/call ${params.name}`,
    attributes,
    async (span) => {
      const outcome = await tools.callTool(params.name, rawArguments, { signal, callId: `mcp_${randomUUID()}`, tenantId: caller.tenantId });
      span.setAttribute(ACAI_TOOL_OUTCOME, outcome.outcome);
      return outcome;
    },
    { kind: options.transport === 'stdio' ? SpanKind.SERVER : SpanKind.INTERNAL },
  );
  logger.debug(
    { tool: params.name, outcome: result.outcome, durationMs: Math.round(result.durationMs), tenant: caller.tenantId, keyId: caller.keyId, session: context.sessionId },
    'MCP tool call',
  );
  if (result.outcome === 'unknown_tool') throw new McpError(ErrorCode.InvalidParams, result.error?.message ?? `Unknown tool: ${params.name}`);
  return toCallToolResult(result);
}

/** What the call path answered, as an MCP tool result: the model's text, `isError` unless the outcome is ok. */
export function toCallToolResult(result: ToolCallResult): CallToolResult {
  return {
    content: [{ type: 'text', text: result.content }],
    ...(result.outcome === 'ok' ? {} : { isError: true }),
    _meta: {
      'acai/outcome': result.outcome,
      ...(result.plugin === undefined ? {} : { 'acai/plugin': result.plugin.name, 'acai/plugin_version': result.plugin.version }),
    },
  };
}

// The call path parses the arguments as a model's JSON text; an object too deeply nested to be written
// back out is refused here as a malformed request.
function serializeArguments(args: Record<string, unknown> | undefined): string {
  try {
    return JSON.stringify(args ?? {});
  } catch {
    throw new McpError(ErrorCode.InvalidParams, 'tools/call arguments must be a JSON object that is not nested absurdly deep');
  }
}
