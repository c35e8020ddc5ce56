import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS } from '../../host-connection.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { pluginInstallFolder } from '../../../plugin-host/install/installed-release.js';
import { reloadIfAsked } from '../../plugin-install/check-and-report.js';
import { pluginsConfigPath, PluginsConfigFile } from '../../plugins-config-file.js';

export const PLUGIN_REMOVE_HELP = `Usage: acai plugin remove <name> [options]

Remove a plugin's entry from plugins.config.json and, when \`acai plugin add\` installed it, its
releases from the install folder (installDir, default ./acai-plugins). A running host drops its
tools at its next reload (at once with --reload or --url); calls in flight finish first.
Plugin folders ("path") and MCP servers are only taken out of the file.

Options:
      --keep-files           leave the installed releases on disk
      --config <path>        plugins.config.json to edit (env PLUGINS_CONFIG, default ./plugins.config.json)
      --reload               then ask the running host to reload its plugins (implied by --url)
${CONNECTION_HELP}

Examples:
  acai plugin remove stock-quotes
  acai plugin remove stock-quotes --url http://127.0.0.1:8080 --api-key "$ACAI_ADMIN_KEY"
`;

export async function runPluginRemove(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin remove', args, {
    ...CONNECTION_OPTIONS,
    config: { type: 'string' },
    'keep-files': { type: 'boolean' },
    reload: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout.write(PLUGIN_REMOVE_HELP);
    return 0;
  }
  const [name, extra] = positionals;
  if (name === undefined) throw usageError('missing the plugin name', 'plugin remove');
  if (extra !== undefined) throw usageError(`unexpected argument "${extra}"`, 'plugin remove');
  const configPath = pluginsConfigPath(values.config, io.env, io.cwd);
  const file = await PluginsConfigFile.open(configPath);
  const fields = file.entryFields(name);
  const installDir = file.validate(io.env).installDir ?? join(configPath, '..', 'acai-plugins');
  file.remove(name);
  await file.save(io.env);
  const isInstalled = fields.installed !== undefined;
  // Only a folder acai installed is deleted; the entry name is a plain segment (the schema's name pattern).
  if (isInstalled && !values['keep-files']) await rm(pluginInstallFolder(installDir, name), { recursive: true, force: true });
  const style = createStyle(io);
  io.stdout.write(`${style.green('Removed')} ${name} from ${configPath}${isInstalled ? (values['keep-files'] ? ' (its releases stay installed)' : ` and its releases from ${pluginInstallFolder(installDir, name)}`) : ''}\n`);
  await reloadIfAsked(io, values, style);
  return 0;
}
