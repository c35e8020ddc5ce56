import { PLUGIN_NAME_PATTERN } from '@acai/plugin-sdk';
import type { PluginInfo } from '../../../client/index.js';
import { usageError } from '../../cli-error.js';
import { createStyle, type CliIo, type Style } from '../../cli-io.js';
import { describeClientError } from '../../describe-client-error.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectAdmin } from '../../host-connection.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { describeReload } from '../../reload-running-host.js';

/** The operator actions on a running host that change no file. */
export type PluginHostAction = 'clear-override' | 'reset-breaker' | 'reload';

const HELP: Readonly<Record<PluginHostAction, string>> = {
  'clear-override': `Usage: acai plugin clear-override <name> [options]

Remove the operator override of a plugin (set with \`acai plugin enable|disable --override\`, the console
or the admin API), on every replica of the host: plugins.config.json decides again. The change is kept
in the host's store and recorded in the audit log.

${CONNECTION_HELP}

Examples:
  acai plugin clear-override weather --url https://acai.example.com --api-key "$ACAI_ADMIN_KEY"
`,
  'reset-breaker': `Usage: acai plugin reset-breaker <name> [options]

Close a plugin's circuit breaker (after fixing what made it open) on every replica of the host.
Recorded in the audit log.

${CONNECTION_HELP}

Examples:
  acai plugin reset-breaker weather --url https://acai.example.com --api-key "$ACAI_ADMIN_KEY"
`,
  reload: `Usage: acai plugin reload [options]

Ask a running host to re-read its plugins.config.json and swap in the new plugin set now (SIGHUP does the
same). A set that fails to load (a required plugin fails, the file is invalid) is refused and the old set
keeps serving; the host then reports the drift in /readyz and \`acai plugin list --url\`.

${CONNECTION_HELP}

Examples:
  acai plugin reload --url http://127.0.0.1:8080 --api-key "$ACAI_ADMIN_KEY"
`,
};

export const PLUGIN_CLEAR_OVERRIDE_HELP = HELP['clear-override'];
export const PLUGIN_RESET_BREAKER_HELP = HELP['reset-breaker'];
export const PLUGIN_RELOAD_HELP = HELP.reload;

/** `acai plugin clear-override|reset-breaker <name>` and `acai plugin reload`: one admin call each. */
export async function runPluginHostAction(action: PluginHostAction, args: readonly string[], io: CliIo): Promise<number> {
  const command = `plugin ${action}`;
  const { values, positionals } = parseCommandArgs(command, args, CONNECTION_OPTIONS);
  if (values.help) {
    io.stdout.write(HELP[action]);
    return 0;
  }
  const style = createStyle(io);
  const { admin, url } = connectAdmin(io, values);
  if (action === 'reload') {
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, command);
    const result = await callHost(url, () => admin.reloadPlugins());
    io.stdout.write(`${style.green('Reloaded')} ${url} (${describeReload(result)})\n`);
    return 0;
  }
  const name = pluginNameArgument(positionals, command);
  const { plugin } = await callHost(url, () => (action === 'reset-breaker' ? admin.resetBreaker(name) : admin.clearPluginOverride(name)));
  io.stdout.write(
    action === 'reset-breaker'
      ? `${style.green('Reset')} the breaker of ${name} on ${url} (every replica)\n`
      : `${style.green('Cleared')} the override of ${name} on ${url}: plugins.config.json decides (${describeState(plugin)})\n`,
  );
  return 0;
}

/** `acai plugin enable|disable <name> --override`: the admin API's switch, stored for every replica. */
export async function setEnabledOnHost(io: CliIo, values: { url?: string | undefined; 'api-key'?: string | undefined }, name: string, isEnabled: boolean, style: Style): Promise<void> {
  const { admin, url } = connectAdmin(io, values);
  const { plugin } = await callHost(url, () => (isEnabled ? admin.enablePlugin(name) : admin.disablePlugin(name)));
  io.stdout.write(`${style.green(isEnabled ? 'Enabled' : 'Disabled')} ${name} on ${url} as an operator override (every replica, kept across restarts; ${describeState(plugin)})\n`);
  io.stdout.write(style.dim(`plugins.config.json is unchanged; \`acai plugin clear-override ${name}\` lets it decide again.`) + '\n');
}

/** The positional plugin name, checked like the host checks it. */
export function pluginNameArgument(positionals: readonly string[], command: string): string {
  const [name, extra] = positionals;
  if (name === undefined) throw usageError('missing the plugin name', command);
  if (extra !== undefined) throw usageError(`unexpected argument "${extra.slice(0, 40)}"`, command);
  if (!PLUGIN_NAME_PATTERN.test(name)) throw usageError(`invalid plugin name "${name.slice(0, 40)}" (use the entry's "name", e.g. "weather"; see \`acai plugin list\`)`, command);
  return name;
}

async function callHost<T>(url: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw describeClientError(error, url);
  }
}

function describeState(plugin: PluginInfo | undefined): string {
  return `now ${(plugin?.state ?? 'unknown').toLowerCase()}`;
}

