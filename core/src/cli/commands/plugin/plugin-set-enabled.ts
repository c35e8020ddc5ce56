import { usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectAdmin } from '../../host-connection.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { pluginsConfigPath, PluginsConfigFile } from '../../plugins-config-file.js';
import { reloadRunningHost } from '../../reload-running-host.js';
import { pluginNameArgument, setEnabledOnHost } from './plugin-host-action.js';

function help(verb: 'enable' | 'disable'): string {
  return `Usage: acai plugin ${verb} <name> [options]
       acai plugin ${verb} <name> --override [--url <url>] [--api-key <key>]

${verb === 'enable' ? 'Switch a configured plugin on' : 'Switch a configured plugin off; its entry stays in the file'} ("enabled": ${verb === 'enable'}
in plugins.config.json). The edited file is validated with the host's own config checks before it is
written; the rest of the file keeps its formatting. A running host picks the change up on its next
reload or restart; --reload (or --url) asks it to reload now.

With --override the file is left alone: the running host switches the plugin ${verb === 'enable' ? 'on' : 'off'} as an operator
override, on every replica and across restarts (kept in its store, recorded in the audit log), until
\`acai plugin clear-override <name>\` lets the file decide again. Use it for hosts whose file you cannot
edit (a Kubernetes ConfigMap, an image).

Options:
      --config <path>   plugins.config.json to edit (env PLUGINS_CONFIG, default ./plugins.config.json)
      --reload          then ask the running host to reload its plugins (implied by --url)
      --override        switch it on the running host instead of editing the file
${CONNECTION_HELP}

Examples:
  acai plugin ${verb} weather
  acai plugin ${verb} stock-quotes --config ./deploy/plugins.config.json
  acai plugin ${verb} weather --url http://127.0.0.1:8080 --api-key "$ACAI_ADMIN_KEY"
  acai plugin ${verb} weather --override --url https://acai.example.com --api-key "$ACAI_ADMIN_KEY"
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
    override: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout.write(help(verb));
    return 0;
  }
  // Names are the entry names of plugins.config.json; anything else (paths, "../x") is a mistake.
  const name = pluginNameArgument(positionals, command);
  const isEnabled = verb === 'enable';
  const style = createStyle(io);
  if (values.override) {
    if (values.config !== undefined || values.reload) throw usageError('--override changes the running host, not a file: leave out --config and --reload', command);
    await setEnabledOnHost(io, values, name, isEnabled, style);
    return 0;
  }
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
