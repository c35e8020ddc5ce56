import { createSecretScrubber, type PreparedPlugin } from '@acai/plugin-sdk/host';
import type { Logger } from 'pino';
import semver from 'semver';
import { createToolFilter, SECRET_NAME_PATTERN, type McpServerConfig, type PluginEntryConfig } from '../../config/plugins-config.js';
import { HostError } from '../../errors/index.js';
import type { SandboxedCommand } from './child-process-transport.js';
import { McpPluginRuntime, type McpRuntimeSettings, type McpServerEvent } from './mcp-plugin-runtime.js';
import { prepareMcpTools } from './prepare-mcp-tools.js';

/** What {@link checkMcpServer} needs. */
export interface CheckMcpServerOptions {
  readonly entry: PluginEntryConfig;
  readonly server: McpServerConfig;
  readonly secretValues: readonly string[];
  /** `plugins.config.json › name`. */
  readonly source: string;
  /** The server's command line or endpoint (see describeMcpServer), for messages until it has told its name. */
  readonly address: string;
  /** The plugin's logger. */
  readonly logger: Logger;
  readonly settings: McpRuntimeSettings;
  readonly fetch?: typeof fetch;
  readonly onEvent?: (event: McpServerEvent) => void;
  /** A stdio server runs in this sandbox (the runtime owns it from here). */
  readonly sandbox?: SandboxedCommand;
}

/** An MCP server that passed the checks, with what the loader registers. */
export interface CheckedMcpServer {
  readonly runtime: McpPluginRuntime;
  /** The version the server reported (the plugin's version). */
  readonly version: string;
  readonly serverName: string;
  readonly prepared: PreparedPlugin;
  readonly exposedSegments: ReadonlyMap<string, string>;
  /** Every tool the server listed, quarantined or not (allow/deny lists are checked against it). */
  readonly declaredTools: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * The named checks of an MCP-server plugin, up to registration: variables set → connect and initialize
 * within the setup deadline → version range (against the version the server reports, when it is semver)
 * → tool schemas of the tools allow/deny leave ({@link prepareMcpTools}). Throws HostError; the runtime
 * is disposed on failure.
 */
export async function checkMcpServer(options: CheckMcpServerOptions): Promise<CheckedMcpServer> {
  const { entry, source } = options;
  checkVariablesSet(entry);
  const runtime = new McpPluginRuntime({
    pluginName: entry.name,
    server: options.server,
    source: `${source} (${options.address})`,
    logger: options.logger,
    scrub: createSecretScrubber(options.secretValues),
    timeouts: { callMs: entry.policy.timeoutMs, setupMs: entry.policy.setupTimeoutMs },
    settings: options.settings,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
  });
  try {
    const info = await runtime.load();
    const server = runtime.serverInfo ?? { name: 'unknown', version: '0.0.0' };
    const named = `${source} (${server.name}@${server.version})`;
    const warnings: string[] = [];
    if (entry.version !== undefined) {
      if (semver.valid(server.version) === null) {
        warnings.push(`${named}: the server reports version "${server.version}", which is not semver, so "version": "${entry.version}" is not checked`);
      } else if (!semver.satisfies(server.version, entry.version, { includePrerelease: true })) {
        throw new HostError(
          'HOST_PLUGIN_VERSION_MISMATCH',
          `${named}: the server reports version ${server.version}, outside the accepted range "${entry.version}". Install a matching server or change "version" in plugins.config.json.`,
        );
      }
    }
    // Servers often offer many tools of which an operator allows a few: only those are checked (and reported).
    const isExposed = createToolFilter(entry.tools);
    const tools = prepareMcpTools(info.tools.filter((tool) => isExposed(tool.name)), named);
    return {
      runtime,
      version: server.version,
      serverName: server.name,
      prepared: Object.freeze({ config: Object.freeze({}), tools: tools.tools, quarantined: tools.quarantined, secretValues: options.secretValues }),
      exposedSegments: tools.exposedSegments,
      declaredTools: info.tools.map((tool) => tool.name),
      warnings: [...warnings, ...tools.warnings],
    };
  } catch (error) {
    await runtime.dispose().catch(() => {});
    throw error;
  }
}

/** Check "variables set": an unset `${VAR}` in an MCP block refuses the plugin (a server started without its token would fail later and less clearly). */
function checkVariablesSet(entry: PluginEntryConfig): void {
  const unresolved = entry.unresolvedVariables;
  if (unresolved.length === 0) return;
  const isSecret = unresolved.some((variable) => /^\/(env|headers)\//.test(variable.pointer) || SECRET_NAME_PATTERN.test(variable.variable));
  throw new HostError(
    isSecret ? 'HOST_PLUGIN_SECRET_MISSING' : 'HOST_PLUGIN_CONFIG_INVALID',
    `${unresolved.map((variable) => variable.message).join('; ')}. Set ${unresolved.length > 1 ? 'them' : 'it'} in the host's environment.`,
  );
}

/** How an MCP server is named in listings and messages: the command line or the endpoint, never a secret. */
export function describeMcpServer(server: McpServerConfig, secretValues: readonly string[]): string {
  if (server.transport === 'streamable_http') {
    try {
      const url = new URL(server.url);
      return `mcp streamable_http ${url.origin}${url.pathname}`;
    } catch {
      return 'mcp streamable_http (invalid URL)';
    }
  }
  const commandLine = createSecretScrubber(secretValues)([server.command, ...server.args].join(' '));
  return `mcp stdio ${commandLine.length > 200 ? `${commandLine.slice(0, 200)}…` : commandLine}`;
}
