import { HOST_VERSION } from '../../app.js';
import { TENANT_ID_PATTERN } from '../../auth/index.js';
import { RedisKeyValueStore } from '../../cache/index.js';
import { LOG_LEVELS } from '../../config/env-config.js';
import { serveMcpOverStdio } from '../../mcp-server/index.js';
import { instrumentToolExecutor } from '../../observability/instrument-tool-executor.js';
import { createTenantQuotas, type TenantQuotas } from '../../rate-limit/index.js';
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
  if (!TENANT_ID_PATTERN.test(tenantId)) throw usageError('--tenant must be 1-64 letters, digits, "_", "." or "-"', 'mcp');
  const logLevel = values['log-level'] ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) throw usageError(`--log-level must be one of ${[...LOG_LEVELS].join(', ')}`, 'mcp');

  // Claimed before the plugins load: a plugin that prints while it is imported must not corrupt the stream.
  const stdout = claimStdout(io);
  try {
    const logger = createCliLogger(io, logLevel);
    const local = await loadLocalPluginHost(io, values.config, logger);
    try {
      await serveMcpOverStdio({
        source: local.host,
        tools: instrumentToolExecutor(local.host, toolQuotas(local)),
        caller: { tenantId },
        hostVersion: HOST_VERSION,
        input: io.stdin,
        output: stdout.output,
        maxMessageBytes: local.hostConfig.server.maxBodyBytes,
        stop: shutdownSignalOf(io),
        logger,
        registry: local.registry,
      });
      return 0;
    } finally {
      await local.close();
    }
  } finally {
    stdout.release();
  }
}

/** The tenant tool quota, as the host applies it (shared with the hosts through Redis when configured). */
function toolQuotas(local: LocalPluginHost): TenantQuotas | undefined {
  const perMinute = local.hostConfig.rateLimit.toolCallsPerMinute;
  if (perMinute <= 0) return undefined;
  const redis = local.keyValueStore instanceof RedisKeyValueStore ? local.keyValueStore.client : undefined;
  return createTenantQuotas({ toolCallsPerMinute: perMinute, modelTokensPerMinute: 0, ...(redis ? { redis } : {}) });
}
