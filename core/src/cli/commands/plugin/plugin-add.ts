import { dirname } from 'node:path';
import { toPermissionsBlock } from '../../../plugin-host/index.js';
import { askToGrant } from '../../ask-to-grant.js';
import { CliError, usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { createCliLogger } from '../../cli-logger.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectAdmin } from '../../host-connection.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { parseJsonFlag } from '../../parse-json-flag.js';
import { identifyPlugin } from '../../plugin-checks/identify-plugin.js';
import { InspectionWorkspace } from '../../plugin-checks/inspection-workspace.js';
import { parseMcpSource, parsePluginSource, sourceFields } from '../../plugin-checks/parse-plugin-source.js';
import { pluginsConfigPath, PluginsConfigFile } from '../../plugins-config-file.js';
import { reloadRunningHost } from '../../reload-running-host.js';

export const PLUGIN_ADD_HELP = `Usage: acai plugin add <name|path|tarball> [options]
       acai plugin add --mcp <json> --name <name> [options]

Add a plugin to plugins.config.json (created when missing). The source is one of:
  - an installed npm package, optionally with a version range: @acai/plugin-weather@^1.0.0
  - a plugin package folder: ./plugins/stock-quotes
  - a tarball made by \`npm pack\`: ./acai-plugin-stock-quotes-0.1.0.tgz
  - an MCP server (--mcp, with --name): started over stdio ({"command": …}) or reached over
    Streamable HTTP ({"url": …}); its tools are exposed as <name>__<tool>
The entry is named after the plugin's own name (its definePlugin name). What the plugin asks for (its
permissions: network hosts, environment variables, read paths, a scratch directory, processes; an MCP
server's in its "mcp" block) is shown first and written as the entry's grant only once you confirm
(type y, or pass --yes); a first-party plugin is granted what it asks for. Before the file is written
the plugin goes through every load-time check of the host, a third-party one in its sandbox; a plugin
that fails them is refused (--force adds it anyway). Relative paths are stored relative to the config
file; the rest of the file keeps its formatting.

Options:
      --config <path>        plugins.config.json to edit (env PLUGINS_CONFIG, default ./plugins.config.json)
      --version <range>      semver range of plugin versions to accept (package and MCP sources)
      --plugin-config <json> the plugin's "config" block, e.g. '{"provider":"open-meteo"}'
      --mcp <json>           an MCP server's "mcp" block (\${VAR} references are kept in the file)
      --name <name>          with --mcp: the plugin name its tools are exposed under
      --disabled             add it switched off ("enabled": false)
      --yes                  grant the permissions it asks for without asking (for scripts)
      --force                add it even when a load check fails
      --reload               then ask the running host to reload its plugins (implied by --url)
      --log-level <level>    show the host's log lines on stderr while checking
${CONNECTION_HELP}

Examples:
  acai plugin add ./acai-plugin-stock-quotes-0.1.0.tgz
  acai plugin add @acai/plugin-weather --version ^1.0.0 --plugin-config '{"provider":"open-meteo"}'
  acai plugin add ../my-plugin --config ./deploy/plugins.config.json --reload --url http://127.0.0.1:8080
  acai plugin add --mcp '{"command":"npx","args":["-y","@modelcontextprotocol/server-everything"]}' --name everything
`;

export async function runPluginAdd(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin add', args, {
    ...CONNECTION_OPTIONS,
    config: { type: 'string' },
    version: { type: 'string' },
    'plugin-config': { type: 'string' },
    mcp: { type: 'string' },
    name: { type: 'string' },
    disabled: { type: 'boolean' },
    yes: { type: 'boolean' },
    force: { type: 'boolean' },
    reload: { type: 'boolean' },
    'log-level': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(PLUGIN_ADD_HELP);
    return 0;
  }
  const [argument, extra] = positionals;
  const isMcp = values.mcp !== undefined;
  if (argument === undefined && !isMcp) throw usageError('missing the plugin source (a package name, folder or tarball, or --mcp)', 'plugin add');
  if ((isMcp ? argument : extra) !== undefined) throw usageError(`unexpected argument "${isMcp ? argument : extra}"`, 'plugin add');
  if (isMcp && values['plugin-config'] !== undefined) throw usageError('--plugin-config applies to plugin packages; an MCP server is configured in its --mcp block', 'plugin add');
  if (!isMcp && values.name !== undefined) throw usageError('--name applies to --mcp; a package declares its own name', 'plugin add');
  const pluginConfig = values['plugin-config'] === undefined ? undefined : (parseJsonFlag(values['plugin-config'], '--plugin-config', 'plugin add') as Record<string, unknown>);

  const configPath = pluginsConfigPath(values.config, io.env, io.cwd);
  const configDir = dirname(configPath);
  const file = await PluginsConfigFile.open(configPath, { createIfMissing: true });
  let source = isMcp ? parseMcpSource(values.mcp ?? '', values.name, 'plugin add') : parsePluginSource(argument ?? '', io.cwd, configDir);
  if (values.version !== undefined) {
    if (source.kind !== 'package' && source.kind !== 'mcp') throw usageError('--version applies to package and MCP sources; a folder or tarball is one exact version', 'plugin add');
    source = { ...source, version: values.version };
  }
  const style = createStyle(io);
  const workspace = await InspectionWorkspace.create(createCliLogger(io, values['log-level']), io.env, io.cwd);
  try {
    const identity = await identifyPlugin(source, { configPath, configDir, dataDir: workspace.dataDir, env: io.env, logger: workspace.logger });
    const grant = await askToGrant(identity, { isPreApproved: values.yes === true, io, style });
    file.add({
      name: identity.name,
      ...sourceFields(source),
      ...(values.disabled ? { enabled: false } : {}),
      ...(pluginConfig ? { config: pluginConfig } : {}),
      ...(grant === undefined ? {} : { permissions: toPermissionsBlock(grant) }),
    });
    const config = file.validate(io.env);
    // The checks run on the new entry only (enabled even when it is added disabled), with the file's defaults.
    const entry = config.plugins.find((candidate) => candidate.name === identity.name)!;
    const host = await workspace.load({ ...config, plugins: [{ ...entry, enabled: true }] });
    const loaded = host.loadReport().plugins[0]!;
    const tools = host.listPlugins()[0]?.tools ?? [];
    if (loaded.error !== undefined && !values.force) {
      throw new CliError(`not added: ${loaded.error.code}: ${loaded.error.message} (fix the plugin, or pass --force to add it anyway)`);
    }
    await file.save(io.env);
    const what = `${identity.name}${loaded.version ? ` ${loaded.version}` : ''}`;
    io.stdout.write(
      `${style.green('Added')} ${what} to ${configPath}${values.disabled ? ' (disabled)' : ''}\n` +
        (loaded.error ? `  ${style.red('warning')}: it fails the "${loaded.error.code}" check: ${loaded.error.message}\n` : '') +
        (tools.length > 0 ? `  tools: ${tools.join(', ')}\n` : '') +
        loaded.quarantinedTools.map((tool) => `  ${style.red('quarantined')}: ${tool.tool}: ${tool.reason}\n`).join('') +
        loaded.warnings.map((warning) => `  warning: ${warning}\n`).join(''),
    );
    if (values.reload || values.url !== undefined) {
      const { admin, url } = connectAdmin(io, values);
      io.stdout.write(await reloadRunningHost(admin, url, style));
    } else {
      io.stdout.write(style.dim('The host picks it up on its next reload or restart (or pass --reload --url <host>).') + '\n');
    }
    return 0;
  } finally {
    await workspace.dispose();
  }
}
