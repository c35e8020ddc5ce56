import { basename } from 'node:path';
import { usageError } from '../../cli-error.js';
import { createStyle, type CliIo, type Style } from '../../cli-io.js';
import { createCliLogger } from '../../cli-logger.js';
import { formatTable } from '../../format-table.js';
import type { Actor, PluginInfo } from '../../../client/index.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, listHostPlugins } from '../../host-connection.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { checkPluginCompatibility } from '../../plugin-checks/check-plugin-compatibility.js';
import { isCompatibilityCode } from '../../plugin-checks/describe-load-failure.js';
import { InspectionWorkspace } from '../../plugin-checks/inspection-workspace.js';
import { pluginsConfigPath, PluginsConfigFile } from '../../plugins-config-file.js';

export const PLUGIN_LIST_HELP = `Usage: acai plugin list [options]

List the configured plugins with their version, kind (an npm package, or an MCP server with its
transport), whether they are compatible with this host (SDK and host ranges, the operator's version
range), their state, their OS sandbox (bubblewrap, or why none: first-party, OPTED OUT, remote) and
their tools.

Without --url it reads plugins.config.json and loads the enabled plugins through the host's checks
(disabled ones are only resolved and range-checked, never imported; disabled MCP servers are not
started, so their compatibility is unknown). With --url it asks a running
host (admin API acai.admin.PluginService; the API key needs the "admin" scope), which also says what
plugins.config.json sets, the operator overrides (who set them, when) and whether the file on disk is
refused while an older config serves (drift).

Options:
      --config <path>      plugins.config.json to read (env PLUGINS_CONFIG, default ./plugins.config.json)
      --json               print the list as JSON (for scripts)
      --log-level <level>  show the host's log lines on stderr while loading
${CONNECTION_HELP}

Examples:
  acai plugin list
  acai plugin list --json | jq '.[] | select(.state != "enabled")'
  acai plugin list --url http://127.0.0.1:8080 --api-key "$ACAI_ADMIN_KEY"
`;

/** One row of the list, as printed and as `--json` emits it. */
export interface PluginListRow {
  readonly name: string;
  readonly version: string | undefined;
  /** `npm`, or `mcp` with its transport. */
  readonly kind: 'npm' | 'mcp';
  readonly transport?: 'stdio' | 'streamable_http';
  readonly compatible: 'yes' | 'no' | 'unknown';
  readonly state: 'enabled' | 'disabled' | 'failed' | 'restarting' | 'starting';
  /** `bubblewrap`, or why none: `first-party`, `opted-out`, `remote`; absent until decided. */
  readonly sandbox?: string;
  readonly tools: readonly string[];
  readonly source: string;
  /** Why it failed or is incompatible, with the host's error code (`HOST_PLUGIN_IMPORT_FAILED: …`). */
  readonly problem?: string;
  /** --url: `enabled` as plugins.config.json says. */
  readonly fileEnabled?: boolean;
  /** --url: the operator's switch over the file, who set it and when. */
  readonly override?: { readonly enabled: boolean; readonly setBy: string; readonly setAt: string };
  /** --url: the last operator breaker reset. */
  readonly lastBreakerReset?: { readonly by: string; readonly at: string };
  /** A running host's plugin whose start timed out: attempts made and allowed. */
  readonly startAttempts?: { readonly made: number; readonly max: number };
}

export async function runPluginList(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin list', args, {
    ...CONNECTION_OPTIONS,
    config: { type: 'string' },
    json: { type: 'boolean' },
    'log-level': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(PLUGIN_LIST_HELP);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, 'plugin list');
  if (values.url !== undefined && values.config !== undefined) throw usageError('pass either --url (a running host) or --config (a file), not both', 'plugin list');
  const style = createStyle(io);
  const rows = values.url !== undefined ? await listFromHost(io, values, style) : await listFromFile(io, values.config, values['log-level']);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(formatRows(rows, style));
  return 0;
}

const HOST_STATES: Partial<Record<NonNullable<PluginInfo['state']>, PluginListRow['state']>> = {
  ACTIVE: 'enabled',
  DISABLED: 'disabled',
  FAILED: 'failed',
  RESTARTING: 'restarting',
  STARTING: 'starting',
};


async function listFromHost(io: CliIo, values: { url?: string | undefined; 'api-key'?: string | undefined }, style: Style): Promise<PluginListRow[]> {
  const { plugins, drift } = await listHostPlugins(io, values);
  // On stderr, so `--json` output stays the list.
  if (drift !== undefined) {
    io.stderr.write(
      `${style.red('drift')}: the host refused its plugins.config.json (${drift.code ?? '?'}${drift.since ? ` since ${drift.since}` : ''}): ${drift.reason ?? ''}\n` +
        `  ${drift.trigger === 'startup' ? `it started on the last config that loaded (saved ${drift.last_good_time ?? '?'})` : 'the config that loaded before keeps serving'}; fix the file and it reloads\n`,
    );
  }
  return plugins.map((plugin): PluginListRow => {
    const state = HOST_STATES[plugin.state ?? 'STATE_UNSPECIFIED'] ?? 'failed';
    const problem = plugin.last_error ? `${plugin.last_error_code ? `${plugin.last_error_code}: ` : ''}${plugin.last_error}` : undefined;
    return {
      name: plugin.name ?? '',
      version: plugin.version || undefined,
      ...kindFields(plugin.kind === 'mcp', plugin.transport),
      // A loaded plugin passed the host's range checks; for the others the host's message says why.
      compatible: state === 'enabled' || state === 'restarting' ? 'yes' : 'unknown',
      state,
      ...sandboxField(plugin.sandbox === 'none' ? plugin.sandbox_exemption : plugin.sandbox),
      tools: (plugin.tools ?? []).map((tool) => tool.exposed_name ?? ''),
      source: plugin.source ?? '',
      ...((state === 'failed' || state === 'starting') && problem !== undefined ? { problem } : {}),
      ...(state === 'starting' ? { startAttempts: { made: plugin.start_attempts ?? 0, max: plugin.max_start_attempts ?? 0 } } : {}),
      // proto3 JSON leaves out false.
      fileEnabled: plugin.file_enabled === true,
      ...(plugin.enabled_override === undefined
        ? {}
        : { override: { enabled: plugin.enabled_override.enabled === true, setBy: describeActor(plugin.enabled_override.set_by), setAt: plugin.enabled_override.set_time ?? '' } }),
      ...(plugin.last_breaker_reset === undefined ? {} : { lastBreakerReset: { by: describeActor(plugin.last_breaker_reset.reset_by), at: plugin.last_breaker_reset.reset_time ?? '' } }),
    };
  });
}

/** `key_3kTq… (tenant ops)`, `cli alice@build-1`, `host`. */
function describeActor(actor: Actor | undefined): string {
  if (actor === undefined) return 'unknown';
  if (actor.key_id) return `${actor.key_id} (tenant ${actor.tenant_id ?? '?'})`;
  if (actor.name) return `${actor.source ?? 'cli'} ${actor.name}`;
  return actor.tenant_id ? `${actor.source ?? 'unknown'} (tenant ${actor.tenant_id})` : (actor.source ?? 'unknown');
}

async function listFromFile(io: CliIo, configFlag: string | undefined, logLevel: string | undefined): Promise<PluginListRow[]> {
  const file = await PluginsConfigFile.open(pluginsConfigPath(configFlag, io.env, io.cwd));
  const config = file.validate(io.env);
  const workspace = await InspectionWorkspace.create(createCliLogger(io, logLevel), io.env, io.cwd);
  try {
    const verdicts = await Promise.all(
      config.plugins.map((entry) =>
        checkPluginCompatibility(entry, { configDir: config.dir, dataDir: workspace.dataDir, hostVersion: workspace.hostVersion, label: basename(config.path), installDir: config.installDir }),
      ),
    );
    const host = await workspace.load(config);
    const statuses = new Map(host.listPlugins().map((status) => [status.name, status]));
    return config.plugins.map((entry, index): PluginListRow => {
      const verdict = verdicts[index]!;
      const status = statuses.get(entry.name);
      const error = status?.error;
      const state = !entry.enabled ? 'disabled' : status?.state === 'loaded' ? 'enabled' : 'failed';
      const compatible = status?.state === 'loaded' ? 'yes' : error !== undefined && isCompatibilityCode(error.code) ? 'no' : verdict.verdict;
      const problem = error !== undefined ? `${error.code}: ${error.message}` : verdict.verdict === 'yes' ? undefined : verdict.reason;
      return {
        name: entry.name,
        version: status?.version ?? verdict.version,
        ...kindFields(entry.source.kind === 'mcp', entry.source.kind === 'mcp' ? entry.source.server.transport : undefined),
        compatible,
        state,
        ...sandboxField(status?.sandbox?.kind === 'none' ? status.sandbox.exemption : status?.sandbox?.kind),
        tools: status?.tools ?? [],
        source: status?.source ?? '',
        ...(problem !== undefined ? { problem } : {}),
      };
    });
  } finally {
    await workspace.dispose();
  }
}

function kindFields(isMcp: boolean, transport: string | undefined): Pick<PluginListRow, 'kind' | 'transport'> {
  if (!isMcp) return { kind: 'npm' };
  return transport === 'stdio' || transport === 'streamable_http' ? { kind: 'mcp', transport } : { kind: 'mcp' };
}

function sandboxField(value: string | undefined): Pick<PluginListRow, 'sandbox'> {
  return value === undefined || value === '' ? {} : { sandbox: value };
}

function formatRows(rows: readonly PluginListRow[], style: Style): string {
  if (rows.length === 0) return 'No plugins configured. Add one with `acai plugin add`.\n';
  const table = formatTable(
    ['NAME', 'VERSION', 'KIND', 'COMPATIBLE', 'STATE', 'SANDBOX', 'TOOLS'],
    rows.map((row) => [
      row.name,
      row.version ?? '?',
      row.transport === undefined ? row.kind : `${row.kind} ${row.transport === 'streamable_http' ? 'http' : row.transport}`,
      row.compatible,
      row.startAttempts === undefined ? row.state : `${row.state} (${row.startAttempts.made}/${row.startAttempts.max})`,
      row.sandbox === 'opted-out' ? 'OPTED OUT' : (row.sandbox ?? '-'),
      row.tools.length > 0 ? row.tools.join(', ') : '-',
    ]),
  );
  const problems = rows.filter((row) => row.problem !== undefined).map((row) => `${style.red('!')} ${row.name}: ${row.problem}\n`);
  const overrides = rows.flatMap((row) =>
    row.override === undefined
      ? []
      : [`~ ${row.name}: ${row.override.enabled ? 'enabled' : 'disabled'} by ${row.override.setBy} at ${row.override.setAt} (plugins.config.json: ${row.fileEnabled === true ? 'enabled' : 'disabled'})\n`],
  );
  return table + (overrides.length > 0 ? `\nOperator overrides:\n${overrides.join('')}` : '') + (problems.length > 0 ? `\n${problems.join('')}` : '');
}
