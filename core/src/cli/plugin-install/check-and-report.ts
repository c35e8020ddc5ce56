import type { PluginsConfig } from '../../config/plugins-config.js';
import type { HostErrorCode } from '../../errors/index.js';
import type { RegisteredToolInfo } from '../../plugin-host/index.js';
import type { CliIo, Style } from '../cli-io.js';
import { connectAdmin } from '../host-connection.js';
import type { InspectionWorkspace } from '../plugin-checks/inspection-workspace.js';
import { reloadRunningHost } from '../reload-running-host.js';

/** What the host's checks said about one configured entry. */
export interface LoadOutcome {
  readonly error?: { readonly code: HostErrorCode; readonly message: string };
  readonly version: string | undefined;
  /** Exposed names of the tools it would offer. */
  readonly tools: readonly string[];
  /** Its tools with their parameters (for the breaking-change comparison). */
  readonly toolInfos: readonly RegisteredToolInfo[];
  readonly quarantinedTools: readonly { readonly tool: string; readonly reason: string }[];
  readonly warnings: readonly string[];
}

/**
 * Loads one entry of `config` through the host's checks, enabled, with the file's defaults and
 * signature policy; `installDir` points the loader at a staged release before it is committed.
 */
export async function loadConfiguredEntry(workspace: InspectionWorkspace, config: PluginsConfig, name: string, installDir?: string): Promise<LoadOutcome> {
  const entry = config.plugins.find((candidate) => candidate.name === name);
  if (entry === undefined) throw new Error(`no entry "${name}" in ${config.path}`);
  const host = await workspace.load({ ...config, ...(installDir === undefined ? {} : { installDir }), plugins: [{ ...entry, enabled: true }] });
  const loaded = host.loadReport().plugins[0]!;
  return {
    ...(loaded.error === undefined ? {} : { error: loaded.error }),
    version: loaded.version,
    tools: host.listPlugins()[0]?.tools ?? [],
    toolInfos: host.listTools(),
    quarantinedTools: loaded.quarantinedTools,
    warnings: loaded.warnings,
  };
}

/** The lines after "Added …"/"Upgraded …": a forced failure, tools, quarantines, warnings. */
export function describeLoadOutcome(outcome: LoadOutcome, style: Style): string {
  return (
    (outcome.error ? `  ${style.red('warning')}: it fails the "${outcome.error.code}" check: ${outcome.error.message}\n` : '') +
    (outcome.tools.length > 0 ? `  tools: ${outcome.tools.join(', ')}\n` : '') +
    outcome.quarantinedTools.map((tool) => `  ${style.red('quarantined')}: ${tool.tool}: ${tool.reason}\n`).join('') +
    outcome.warnings.map((warning) => `  warning: ${warning}\n`).join('')
  );
}

/** With --reload or --url: asks the running host to reload once; otherwise says when the change applies. */
export async function reloadIfAsked(io: CliIo, values: { reload?: boolean | undefined; url?: string | undefined; 'api-key'?: string | undefined }, style: Style): Promise<void> {
  if (values.reload || values.url !== undefined) {
    const { admin, url } = connectAdmin(io, values);
    io.stdout.write(await reloadRunningHost(admin, url, style));
  } else {
    io.stdout.write(style.dim('The host picks it up on its next reload or restart (or pass --reload --url <host>).') + '\n');
  }
}
