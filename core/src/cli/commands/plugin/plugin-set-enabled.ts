import { PLUGIN_NAME_PATTERN } from '@acai/plugin-sdk';
import { usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectAdmin } from '../../host-connection.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { pluginsConfigPath, PluginsConfigFile } from '../../plugins-config-file.js';
import { reloadRunningHost } from '../../reload-running-host.js';

function help(verb: 'enable' | 'disable'): string {
  return `Usage: acai plugin ${verb} <name> [options]

${verb === 'enable' ? 'Switch a configured plugin on' : 'Switch a configured plugin off; its entry stays in the file'} ("enabled": ${verb === 'enable'}
in plugins.config.json). The edited file is validated with the host's own config checks before it is
written; the rest of the file keeps its formatting. A running host picks the change up on its next
reload or restart; --reload (or --url) asks it to reload now.

Options:
      --config <path>   plugins.config.json to edit (env PLUGINS_CONFIG, default ./plugins.config.json)
      --reload          then ask the running host to reload its plugins (implied by --url)
${CONNECTION_HELP}

Examples:
  acai plugin ${verb} weather
  acai plugin ${verb} stock-quotes --config ./deploy/plugins.config.json
  acai plugin ${verb} weather --url http://127.0.0.1:8080 --api-key "$ACAI_ADMIN_KEY"
`;
}

export const PLUGIN_ENABLE_HELP = help('enable');
export const PLUGIN_DISABLE_HELP = help('disable');

/** `acai plugin enable|disable <name>`. */
export async function runPluginSetEnabled(verb: 'enable' | 'disable', args: readonly string[], io: CliIo): Promise<number> {
  const command = `plugin ${verb}`;
  const { values, positionals } = parseCommandArgs(command, args, {
    ...CONNECTION_OPTIONS,
    config: { type: 'string' },
    reload: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout.write(help(verb));
    return 0;
  }
  const [name, extra] = positionals;
  if (name === undefined) throw usageError('missing the plugin name', command);
  if (extra !== undefined) throw usageError(`unexpected argument "${extra}"`, command);
  // Names are the entry names of plugins.config.json; anything else (paths, "../x") is a mistake.
  if (!PLUGIN_NAME_PATTERN.test(name)) throw usageError(`invalid plugin name "${name}" (use the entry's "name", e.g. "weather"; see \`acai plugin list\`)`, command);
  const isEnabled = verb === 'enable';
  const style = createStyle(io);
  const file = await PluginsConfigFile.open(pluginsConfigPath(values.config, io.env, io.cwd));
  const changed = file.setEnabled(name, isEnabled);
  if (changed) {
    await file.save(io.env);
    io.stdout.write(`${style.green(isEnabled ? 'Enabled' : 'Disabled')} ${name} in ${file.path}\n`);
  } else {
    io.stdout.write(`${name} is already ${isEnabled ? 'enabled' : 'disabled'} in ${file.path}\n`);
  }
  if (values.reload || values.url !== undefined) {
    const { admin, url } = connectAdmin(io, values);
    io.stdout.write(await reloadRunningHost(admin, url, style));
  } else if (changed) {
    io.stdout.write(style.dim('A running host picks this up on its next reload or restart (or pass --reload --url <host>).') + '\n');
  }
  return 0;
}
