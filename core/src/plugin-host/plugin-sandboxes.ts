import type { Logger } from 'pino';
import type { McpServerConfig } from '../config/plugins-config.js';
import { HostError } from '../errors/index.js';
import { openSandbox, protectedHostPaths, type SandboxSettings } from './place-plugin.js';
import { isInside, type PermissionSet } from './permissions/index.js';
import { packageDependencyPaths, resolveCommand, type Sandbox } from './sandbox/index.js';
import { sandboxedWorkerProgram } from './worker/index.js';

/** What every plugin sandbox of one load shares. */
export interface SandboxContext {
  readonly settings: SandboxSettings;
  readonly dataDir: string;
  readonly configPath: string;
}

/** A plugin package's sandbox: Node, the compiled worker and the SDK, the package with its dependencies, and its grant. */
export async function openPackageSandbox(
  context: SandboxContext,
  plugin: { readonly name: string; readonly packageDir: string; readonly grant: PermissionSet; readonly environment: Readonly<Record<string, string>>; readonly logger: Logger },
  named: string,
): Promise<{ readonly sandbox: Sandbox; readonly entryPath: string }> {
  const program = await sandboxedWorkerProgram();
  const packagePaths = await packageDependencyPaths(plugin.packageDir);
  const sandbox = await openSandbox(
    context.settings,
    {
      name: plugin.name,
      programPaths: [...program.programPaths, ...packagePaths],
      runtime: 'node',
      permissions: plugin.grant,
      // HTTP runs host-side through the worker protocol, under the same grant: the sandbox itself has no way out.
      networkHosts: [],
      environment: plugin.environment,
      protectedPaths: protectedHostPaths(context.dataDir, context.configPath),
      logger: plugin.logger,
    },
    named,
  );
  return { sandbox, entryPath: program.entryPath };
}

/**
 * A stdio MCP server's sandbox: the system's programs (servers are started by npx, uvx, python, node…),
 * the command itself, the granted read paths, and the granted hosts through the filtering proxy. It starts
 * in its `cwd` when that is a granted read path, else in its scratch directory (or `/`).
 */
export async function openMcpServerSandbox(
  context: SandboxContext,
  server: Extract<McpServerConfig, { transport: 'stdio' }>,
  plugin: { readonly name: string; readonly grant: PermissionSet; readonly environment: Readonly<Record<string, string>>; readonly logger: Logger },
  named: string,
): Promise<{ readonly sandbox: Sandbox; readonly command: string }> {
  const command = await resolveCommand(server.command, server.cwd, server.env['PATH']);
  if (command === undefined) {
    throw new HostError('HOST_PLUGIN_MCP_CONNECT_FAILED', `${named}: cannot start "${server.command}" (not found on PATH or in cwd). Install it or fix mcp.command.`);
  }
  const sandbox = await openSandbox(
    context.settings,
    {
      name: plugin.name,
      programPaths: [command],
      runtime: 'system',
      permissions: plugin.grant,
      networkHosts: plugin.grant.network,
      environment: { ...server.env, ...plugin.environment },
      ...(plugin.grant.read.some((path) => isInside(server.cwd, path)) ? { workingDirectory: server.cwd } : {}),
      protectedPaths: protectedHostPaths(context.dataDir, context.configPath),
      logger: plugin.logger,
    },
    named,
  );
  return { sandbox, command };
}
