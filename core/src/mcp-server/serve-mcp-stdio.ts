import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ToolExecutor } from '../tool-calls/index.js';
import { countMcpRequests, createMcpServer, type McpCaller } from './create-mcp-server.js';
import { createMcpMetrics } from './mcp-metrics.js';
import { McpToolCatalog, type McpToolSource } from './mcp-tool-catalog.js';

/** Options for {@link serveMcpOverStdio}. */
export interface ServeMcpStdioOptions {
  /** The plugin host whose tools are listed. */
  readonly source: McpToolSource;
  /** Its instrumented call path (tool span, tenant quota, the host's call path). */
  readonly tools: ToolExecutor;
  readonly caller: McpCaller;
  readonly hostVersion: string;
  readonly input: Readable;
  /** Where JSON-RPC goes: nothing else may write to it. */
  readonly output: Writable;
  /** A message larger than this ends the server (a line-delimited stream cannot be resynchronised). */
  readonly maxMessageBytes: number;
  /** Stops the server at once (SIGTERM, SIGINT). */
  readonly stop: AbortSignal;
  readonly logger: Logger;
  readonly registry: Registry;
}

/** Why the stdio server stopped. */
export type McpStdioStop = 'stdin closed' | 'transport closed' | 'signal';

/**
 * Serves the plugin host's tools to one MCP client over a line-delimited stdio stream until the client
 * closes its input (calls in progress are answered first), the transport fails, or `stop` fires.
 */
export async function serveMcpOverStdio(options: ServeMcpStdioOptions): Promise<McpStdioStop> {
  const { logger, stop } = options;
  const metrics = createMcpMetrics(options.registry);
  const catalog = new McpToolCatalog(options.source);
  const calls = trackCalls(options.tools);
  const server = createMcpServer({ catalog, tools: calls.tools, caller: options.caller, hostVersion: options.hostVersion, transport: 'stdio', logger, metrics });
  const transport = new StdioServerTransport(options.input, options.output, { maxBufferSize: options.maxMessageBytes });
  countMcpRequests(transport, metrics, 'stdio');

  const transportClosed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
  });
  const inputEnded = Promise.race([once(options.input, 'end'), once(options.input, 'close')]);
  const stopped = new Promise<void>((resolve) => {
    if (stop.aborted) resolve();
    stop.addEventListener('abort', () => resolve(), { once: true });
  });
  const stopWatching = catalog.onChange(() => {
    server.sendToolListChanged().catch((error: unknown) => logger.debug({ err: error }, 'MCP tools/list_changed not delivered'));
  });

  await server.connect(transport);
  metrics.sessions.inc({ transport: 'stdio' });
  logger.info({ tools: catalog.list().length, tenant: options.caller.tenantId }, 'acai mcp: serving the plugin tools over stdio');

  const reason = await Promise.race([
    inputEnded.then(() => 'stdin closed' as const),
    transportClosed.then(() => 'transport closed' as const),
    stopped.then(() => 'signal' as const),
  ]);
  stopWatching();
  // The client hung up after its last request: answer what is in progress (tool timeouts bound it).
  if (reason === 'stdin closed') await calls.idle();
  await server.close();
  metrics.sessions.dec({ transport: 'stdio' });
  metrics.sessionsClosed.inc({ transport: 'stdio', reason: reason === 'signal' ? 'shutdown' : 'closed' });
  logger.info({ reason }, 'acai mcp: stopped');
  return reason;
}

/** The call path with a count of calls in progress, so the server can finish them before it stops. */
function trackCalls(tools: ToolExecutor): { tools: ToolExecutor; idle(): Promise<void> } {
  let inProgress = 0;
  let waiters: Array<() => void> = [];
  // Resolved a turn later than the last call: the SDK writes the response in the microtasks that follow.
  const afterResponses = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return {
    tools: {
      listModelTools: () => tools.listModelTools(),
      describeTool: (exposedName) => tools.describeTool(exposedName),
      async callTool(exposedName, rawArguments, options) {
        inProgress += 1;
        try {
          return await tools.callTool(exposedName, rawArguments, options);
        } finally {
          inProgress -= 1;
          if (inProgress === 0) {
            const done = waiters;
            waiters = [];
            void afterResponses().then(() => done.forEach((resolve) => resolve()));
          }
        }
      },
    },
    idle: () => (inProgress === 0 ? afterResponses() : new Promise((resolve) => waiters.push(resolve))),
  };
}
