import { dirname, join, relative } from 'node:path';
import { isInstalledFrom } from '../../../plugin-host/install/check-dependencies-installed.js';
import { toPermissionsBlock } from '../../../plugin-host/index.js';
import { askToGrant } from '../../ask-to-grant.js';
import { CliError, usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { createCliLogger } from '../../cli-logger.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS } from '../../host-connection.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { parseJsonFlag } from '../../parse-json-flag.js';
import { identifyPlugin } from '../../plugin-checks/identify-plugin.js';
import { InspectionWorkspace } from '../../plugin-checks/inspection-workspace.js';
import { parseMcpSource, parsePluginSource, sourceFields, type PluginSourceSpec } from '../../plugin-checks/parse-plugin-source.js';
import { pruneReleases } from '../../plugin-install/prune-releases.js';
import { commitRelease, discardStaged, type StagedRelease } from '../../plugin-install/stage-release.js';
import { stageFromSource } from '../../plugin-install/stage-from-source.js';
import { describeLoadOutcome, loadConfiguredEntry, reloadIfAsked } from '../../plugin-install/check-and-report.js';
import { pluginsConfigPath, PluginsConfigFile } from '../../plugins-config-file.js';

export const PLUGIN_ADD_HELP = `Usage: acai plugin add <name[@range]|path|tarball> [options]
       acai plugin add --mcp <json> --name <name> [options]

Add a plugin to plugins.config.json (created when missing). The source is one of:
  - an npm package, optionally with a version range: acai-plugin-stock-quotes@^1.0.0. It is
    installed from the registry with its dependencies into the install folder next to the config
    (installDir, default ./acai-plugins: one npm project per release, never the host's own
    node_modules), and the entry records the exact version and the archive's sha512 integrity,
    which the host verifies at every load. A package already installed in node_modules above the
    config (the host's own workspace) is used where it is, unless --registry is given.
  - a tarball made by \`npm pack\`: ./acai-plugin-stock-quotes-0.1.0.tgz, installed the same way
  - a plugin package folder: ./plugins/stock-quotes (used in place, with its own node_modules)
  - an MCP server (--mcp, with --name): started over stdio ({"command": …}) or reached over
    Streamable HTTP ({"url": …}); its tools are exposed as <name>__<tool>
The entry is named after the plugin's own name (its definePlugin name). What the plugin asks for (its
permissions: network hosts, environment variables, read paths, a scratch directory, processes; an MCP
server's in its "mcp" block) is shown first and written as the entry's grant only once you confirm
(type y, or pass --yes); a first-party plugin is granted what it asks for. Before the file is written
the plugin goes through every load-time check of the host (with the file's signature policy), a
third-party one in its sandbox; a plugin that fails them is refused and nothing is installed (--force
adds it anyway). Install scripts of the package and its dependencies are not run. Relative paths are
stored relative to the config file; the rest of the file keeps its formatting.

Options:
      --config <path>        plugins.config.json to edit (env PLUGINS_CONFIG, default ./plugins.config.json)
      --version <range>      semver range of plugin versions to accept (package and MCP sources)
      --registry <url>       the npm registry to install from (default: npm's configuration)
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
  acai plugin add acai-plugin-stock-quotes@^1.0.0
  acai plugin add acai-plugin-stock-quotes --registry http://127.0.0.1:4873 --reload
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
    registry: { type: 'string' },
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
  const registry = values.registry === undefined ? undefined : checkRegistryUrl(values.registry, 'plugin add');

  const configPath = pluginsConfigPath(values.config, io.env, io.cwd);
  const configDir = dirname(configPath);
  const file = await PluginsConfigFile.open(configPath, { createIfMissing: true });
  let source = isMcp ? parseMcpSource(values.mcp ?? '', values.name, 'plugin add') : parsePluginSource(argument ?? '', io.cwd, configDir);
  if (values.version !== undefined) {
    if (source.kind !== 'package' && source.kind !== 'mcp') throw usageError('--version applies to package and MCP sources; a folder or tarball is one exact version', 'plugin add');
    source = { ...source, version: values.version };
  }
  if (registry !== undefined && source.kind !== 'package') throw usageError('--registry applies to package sources', 'plugin add');
  const isInstall = source.kind === 'tarball' || (source.kind === 'package' && (registry !== undefined || !(await isInstalledFrom(configDir, source.package))));
  const style = createStyle(io);
  const workspace = await InspectionWorkspace.create(createCliLogger(io, values['log-level']), io.env, io.cwd);
  const installDir = file.validate(io.env).installDir ?? join(configDir, 'acai-plugins');
  let staged: StagedRelease | undefined;
  try {
    const identify = workspace.identifyOptions();
    if (isInstall) staged = await stageFromSource(releaseSourceOf(source, registry), { installDir, env: io.env, logger: workspace.logger, identify });
    const identity = staged?.identity ?? (await identifyPlugin(source, { configPath, configDir, dataDir: workspace.dataDir, env: io.env, logger: workspace.logger, ...identify }));
    // A second entry for the same plugin is refused before the operator is asked to grant anything.
    file.refuseDuplicate(identity.name);
    const grant = await askToGrant(identity, { isPreApproved: values.yes === true, io, style });
    file.add({
      name: identity.name,
      ...sourceFields(source),
      ...(staged !== undefined && source.kind === 'package' && source.version === undefined ? { version: `^${staged.version}` } : {}),
      ...(staged === undefined ? {} : { installed: { version: staged.version, integrity: staged.integrity, ...(registry === undefined ? {} : { registry }) } }),
      ...(values.disabled ? { enabled: false } : {}),
      ...(pluginConfig ? { config: pluginConfig } : {}),
      ...(grant === undefined ? {} : { permissions: toPermissionsBlock(grant) }),
    });
    const config = file.validate(io.env);
    // The checks run on the new entry only (enabled even when it is added disabled), with the file's defaults, from the staged release.
    const outcome = await loadConfiguredEntry(workspace, config, identity.name, staged?.stagingDir);
    if (outcome.error !== undefined && !values.force) {
      throw new CliError(`not added: ${outcome.error.code}: ${outcome.error.message} (fix the plugin, or pass --force to add it anyway)`);
    }
    const installedAt = staged === undefined ? undefined : await commitRelease(staged, installDir);
    await file.save(io.env);
    if (installedAt !== undefined) await pruneReleases(installDir, identity.name, [staged!.version]);
    io.stdout.write(
      `${style.green('Added')} ${identity.name}${outcome.version ? ` ${outcome.version}` : ''} to ${configPath}${values.disabled ? ' (disabled)' : ''}\n` +
        (installedAt === undefined ? '' : `  installed ${staged!.packageName}@${staged!.version} into ${relative(io.cwd, installedAt) || '.'} (${staged!.integrity.slice(0, 24)}…)\n`) +
        describeLoadOutcome(outcome, style),
    );
    await reloadIfAsked(io, values, style);
    return 0;
  } finally {
    if (staged !== undefined) await discardStaged(staged);
    await workspace.dispose();
  }
}

/** A registry URL from --registry: http(s) only, so npm is never pointed at a file or a command. */
export function checkRegistryUrl(text: string, command: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`--registry "${text.slice(0, 80)}" is not a URL`, command);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError('--registry must be an http or https URL', command);
  return url.href;
}

function releaseSourceOf(source: PluginSourceSpec, registry: string | undefined): Parameters<typeof stageFromSource>[0] {
  if (source.kind === 'tarball') return { kind: 'tarball', path: source.absolutePath };
  if (source.kind !== 'package') throw new CliError(`a ${source.kind} source is not installed`);
  return { kind: 'registry', spec: `${source.package}@${source.version ?? 'latest'}`, registry };
}
