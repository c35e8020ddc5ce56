import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from 'pino';
import type { ToolExecutor } from '../../chat/index.js';
import { HOST_VERSION } from '../../app.js';
import { RedisKeyValueStore } from '../../cache/index.js';
import { countMcpRequests, createMcpMetrics, createMcpServer, McpToolCatalog } from '../../mcp-server/index.js';
import { instrumentPluginHost } from '../../observability/instrument-tool-executor.js';
import { createTenantQuotas } from '../../rate-limit/index.js';
import { claimStdout } from '../claim-stdout.js';
import { shutdownSignalOf, type CliIo } from '../cli-io.js';
import { createCliLogger } from '../cli-logger.js';
import { usageError } from '../cli-error.js';
import { loadLocalPluginHost, type LocalPluginHost } from '../local-plugin-host.js';
import { parseCommandArgs } from '../parse-command-args.js';

export const MCP_HELP = `Usage: acai mcp [options]

Serves the tools of the enabled plugins as an MCP server over stdio, for MCP clients that start
their servers as a command (Claude Desktop, IDEs, agent frameworks). The plugins load in this
process as the host loads them (worker-mode plugins in workers), and every call runs through the
host's call path: argument validation, timeout, bulkhead, circuit breaker, output cap, secret
scrubbing, metrics and, with TENANT_TOOL_CALLS_PER_MINUTE set, the tenant's tool quota (shared
with the hosts through REDIS_URL). The environment is the host's (PLUGINS_CONFIG, ACAI_DATA_DIR,
REDIS_URL, plugin secrets such as WEATHER_API_KEY).

stdout carries only JSON-RPC: log lines, and anything a plugin prints, go to stderr. The server
stops when stdin closes (after answering the calls in progress) or on SIGTERM/SIGINT, and disposes
the plugins. To serve many clients from a running host instead, point them at its /mcp endpoint
(Streamable HTTP with an API key that has the "tools" scope; see docs/mcp.md).

Options:
      --config <path>      plugins.config.json (env PLUGINS_CONFIG, default ./plugins.config.json)
      --tenant <tenant>    the tenant for tool quotas and logs (default "default")
      --log-level <level>  log lines on stderr (default info; silent, fatal, error, warn, debug, trace)

Client configuration (Claude Desktop's claude_desktop_config.json; Cursor, VS Code and most
agent frameworks take the same command, args and env). Clients start servers from an unknown
working directory, so give absolute paths:

  {
    "mcpServers": {
      "acai": {
        "command": "node",
        "args": ["/srv/acai/core/bin/acai.js", "mcp", "--config", "/srv/acai/plugins.config.json"],
        "env": { "ACAI_DATA_DIR": "/srv/acai/.acai-data" }
      }
    }
  }

Examples:
  acai mcp
  acai mcp --config ./deploy/plugins.config.json --tenant ide --log-level warn
  npx @modelcontextprotocol/inspector node core/bin/acai.js mcp     # try it in the MCP Inspector
`;

const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export async function runMcpCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('mcp', args, {
    config: { type: 'string' },
    tenant: { type: 'string' },
    'log-level': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(MCP_HELP);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]!.slice(0, 60)}"`, 'mcp');
  const tenantId = values.tenant ?? 'default';
  if (!TENANT_PATTERN.test(tenantId)) throw usageError('--tenant must be 1-64 letters, digits, "_", "." or "-"', 'mcp');
  const logLevel = values['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw usageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`, 'mcp');

  // Claimed before the plugins load: a plugin that prints while it is imported must not corrupt the stream.
  const stdout = claimStdout(io);
  try {
    const logger = createCliLogger(io, logLevel);
    const local = await loadLocalPluginHost(io, values.config, logger);
    try {
      return await serveStdio(io, local, tenantId, stdout.output, logger);
    } finally {
      await local.close();
    }
  } finally {
    stdout.release();
  }
}

async function serveStdio(
  io: CliIo,
  local: LocalPluginHost,
  tenantId: string,
  output: Writable,
  logger: Logger,
): Promise<number> {
  const { hostConfig } = local;
  const quotas =
    hostConfig.rateLimit.toolCallsPerMinute > 0
      ? createTenantQuotas({
          toolCallsPerMinute: hostConfig.rateLimit.toolCallsPerMinute,
          modelTokensPerMinute: 0,
          ...(local.keyValueStore instanceof RedisKeyValueStore ? { redis: local.keyValueStore.client } : {}),
        })
      : undefined;
  const calls = trackCalls(instrumentPluginHost(local.host, quotas));
  const catalog = new McpToolCatalog(local.host);
  const metrics = createMcpMetrics(local.registry);
  const server = createMcpServer({ catalog, tools: calls.tools, caller: { tenantId }, hostVersion: HOST_VERSION, transport: 'stdio', logger, metrics });
  // A message that never ends in a newline cannot be resynchronised: past MAX_BODY_BYTES the transport closes.
  const transport = new StdioServerTransport(io.stdin, output, { maxBufferSize: hostConfig.server.maxBodyBytes });
  countMcpRequests(transport, metrics, 'stdio');

  const shutdown = shutdownSignalOf(io);
  const transportClosed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
  });
  const inputEnded = Promise.race([once(io.stdin, 'end'), once(io.stdin, 'close')]);
  const stopped = new Promise<void>((resolve) => {
    if (shutdown.aborted) resolve();
    shutdown.addEventListener('abort', () => resolve(), { once: true });
  });
  const stopWatching = catalog.onChange(() => {
    server.sendToolListChanged().catch((error: unknown) => logger.debug({ err: error }, 'MCP tools/list_changed not delivered'));
  });

  await server.connect(transport);
  metrics.sessions.inc({ transport: 'stdio' });
  const failed = local.host.listPlugins().filter((plugin) => plugin.state === 'failed');
  logger.info({ tools: catalog.list().length, tenant: tenantId, failedPlugins: failed.map((plugin) => plugin.name) }, 'acai mcp: serving the plugin tools over stdio');

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
  logger.info({ reason }, 'acai mcp: stopped');
  return 0;
}

/** The call path with a count of calls in progress, so the server can finish them before it stops. */
function trackCalls(tools: ToolExecutor): { tools: ToolExecutor; idle(): Promise<void> } {
  let inProgress = 0;
  let waiters: Array<() => void> = [];
  return {
    tools: {
      listModelTools: () => tools.listModelTools(),
      async callTool(exposedName, rawArguments, options) {
        inProgress += 1;
        try {
          return await tools.callTool(exposedName, rawArguments, options);
        } finally {
          inProgress -= 1;
          if (inProgress === 0) {
            // Resolved after the response went out: the SDK writes it in the microtasks that follow.
            const done = waiters;
            waiters = [];
            setImmediate(() => done.forEach((resolve) => resolve()));
          }
        }
      },
    },
    idle: () => (inProgress === 0 ? new Promise((resolve) => setImmediate(resolve)) : new Promise((resolve) => waiters.push(resolve))),
  };
}
