import { join, relative, resolve } from 'node:path';
import semver from 'semver';
import type { InstalledRelease } from '../../../config/supply-chain-config.js';
import { describeBreaks } from '../../../plugin-host/release-guard/release-guard.js';
import { diffToolSets, isMajorBump, requiredVersionFor, type Schema, type SchemaBreak } from '../../../plugin-host/release-guard/tool-schema-compatibility.js';
import { CliError, usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { createCliLogger } from '../../cli-logger.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS } from '../../host-connection.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { InspectionWorkspace } from '../../plugin-checks/inspection-workspace.js';
import { pathForConfig } from '../../plugin-checks/parse-plugin-source.js';
import { describeLoadOutcome, loadConfiguredEntry, reloadIfAsked, type LoadOutcome } from '../../plugin-install/check-and-report.js';
import { pruneReleases } from '../../plugin-install/prune-releases.js';
import { stageFromSource, type ReleaseSource } from '../../plugin-install/stage-from-source.js';
import { commitRelease, discardStaged, type StagedRelease } from '../../plugin-install/stage-release.js';
import { pluginsConfigPath, PluginsConfigFile } from '../../plugins-config-file.js';
import { checkRegistryUrl } from './plugin-add.js';

export const PLUGIN_UPGRADE_HELP = `Usage: acai plugin upgrade <name> [<tarball>] [options]

Install another release of a plugin that \`acai plugin add\` installed, check it, and switch the
entry in plugins.config.json to it. A package moves to the newest release its "version" range
allows (or --to); a tarball entry moves to the archive given. The new release is installed next to
the current one (which stays, so the host can fall back to it) and goes through every load check
of the host first. A release whose tool schemas break the current ones without a major version bump
(a new required property, a removed property or tool, a narrower type) is refused, listing each
change and the version it needs; --accept-breaking takes it anyway and records that in the entry.
Nothing changes when the upgrade is refused.

Options:
      --to <range|version>   the release to move to (also a downgrade); becomes the entry's "version"
      --registry <url>       the npm registry to install from (default: the entry's, else npm's)
      --accept-breaking      take a release that breaks tool schemas without a major version bump
      --force                switch even when a load check or the breaking-change check fails (the
                             host still refuses a breaking release that is not accepted)
      --config <path>        plugins.config.json to edit (env PLUGINS_CONFIG, default ./plugins.config.json)
      --reload               then ask the running host to reload its plugins (implied by --url)
      --log-level <level>    show the host's log lines on stderr while checking
${CONNECTION_HELP}

Examples:
  acai plugin upgrade stock-quotes
  acai plugin upgrade stock-quotes --to ^2.0.0 --reload --url http://127.0.0.1:8080
  acai plugin upgrade stock-quotes --to 1.0.3                # back to an older release
  acai plugin upgrade forecast ./forecast-1.1.0.tgz
`;

export async function runPluginUpgrade(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin upgrade', args, {
    ...CONNECTION_OPTIONS,
    config: { type: 'string' },
    to: { type: 'string' },
    registry: { type: 'string' },
    'accept-breaking': { type: 'boolean' },
    force: { type: 'boolean' },
    reload: { type: 'boolean' },
    'log-level': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(PLUGIN_UPGRADE_HELP);
    return 0;
  }
  const [name, tarballArgument, extra] = positionals;
  if (name === undefined) throw usageError('missing the plugin name', 'plugin upgrade');
  if (extra !== undefined) throw usageError(`unexpected argument "${extra}"`, 'plugin upgrade');
  if (values.to !== undefined && semver.validRange(values.to) === null) throw usageError(`--to "${values.to}" is not a version or range`, 'plugin upgrade');
  const configPath = pluginsConfigPath(values.config, io.env, io.cwd);
  const file = await PluginsConfigFile.open(configPath);
  const fields = file.entryFields(name);
  const current = readInstalled(fields.installed);
  const installDir = file.validate(io.env).installDir ?? join(configPath, '..', 'acai-plugins');
  const source = upgradeSource(name, fields, current, { tarball: tarballArgument === undefined ? undefined : resolve(io.cwd, tarballArgument), to: values.to, registry: values.registry === undefined ? undefined : checkRegistryUrl(values.registry, 'plugin upgrade') });

  const style = createStyle(io);
  const workspace = await InspectionWorkspace.create(createCliLogger(io, values['log-level']), io.env, io.cwd);
  let staged: StagedRelease | undefined;
  try {
    staged = await stageFromSource(source, { installDir, env: io.env, logger: workspace.logger, identify: workspace.identifyOptions() });
    if (staged.identity.name !== name) {
      throw new CliError(`not upgraded: the new release declares the plugin "${staged.identity.name}", not "${name}" (a renamed plugin is a new entry: \`acai plugin add\` it)`);
    }
    if (current !== undefined && staged.version === current.version && staged.integrity === current.integrity) {
      io.stdout.write(`${name} is already at ${current.version} (${source.kind === 'registry' ? source.spec : 'the same archive'}).\n`);
      return 0;
    }
    // What the current release offers, read before the entry changes (the guard compares with it).
    const previous = current === undefined || values['accept-breaking'] ? undefined : await loadConfiguredEntry(workspace, file.validate(io.env), name);
    const installed: InstalledRelease = { version: staged.version, integrity: staged.integrity, ...(source.kind === 'registry' && source.registry !== undefined ? { registry: source.registry } : {}) };
    file.setEntryField(name, 'installed', installed);
    if (source.kind === 'tarball') file.setEntryField(name, 'tarball', pathForConfig(source.path, file.validate(io.env).dir));
    if (values.to !== undefined) file.setEntryField(name, 'version', values.to);
    file.setEntryField(name, 'acceptBreakingRelease', values['accept-breaking'] ? staged.version : undefined);
    const config = file.validate(io.env);
    const outcome = await loadConfiguredEntry(workspace, config, name, staged.stagingDir);
    const breaking = current === undefined || previous === undefined ? undefined : breakingChanges(current.version, previous, staged.version, outcome);
    if (breaking !== undefined && !values.force) {
      throw new CliError(
        `not upgraded: ${breaking.message}. It should have been published as ${requiredVersionFor(current!.version)}; ${current!.version} stays. ` +
          `Take it anyway with \`acai plugin upgrade ${name} --accept-breaking\`.`,
      );
    }
    if (outcome.error !== undefined && !values.force) {
      throw new CliError(`not upgraded: ${outcome.error.code}: ${outcome.error.message} (the current release keeps its place; pass --force to switch anyway)`);
    }
    const installedAt = await commitRelease(staged, installDir);
    await file.save(io.env);
    await pruneReleases(installDir, name, [staged.version, ...(current === undefined ? [] : [current.version])]);
    io.stdout.write(
      `${style.green('Upgraded')} ${name} ${current?.version ?? '(not installed)'} → ${staged.version} in ${configPath}\n` +
        `  installed ${staged.packageName}@${staged.version} into ${relative(io.cwd, installedAt) || '.'} (${staged.integrity.slice(0, 24)}…)\n` +
        (breaking === undefined ? '' : `  ${style.red('warning')}: ${breaking.message}; hosts refuse it unless it is accepted (--accept-breaking)\n`) +
        (values['accept-breaking'] ? `  ${style.red('accepted')}: tool schemas may break callers of ${current?.version ?? 'the previous release'} ("acceptBreakingRelease": "${staged.version}")\n` : '') +
        describeLoadOutcome(outcome, style),
    );
    await reloadIfAsked(io, values, style);
    return 0;
  } finally {
    if (staged !== undefined) await discardStaged(staged);
    await workspace.dispose();
  }
}

/** Where the new release comes from: the tarball given, or the entry's package from the registry. */
function upgradeSource(
  name: string,
  fields: Record<string, unknown>,
  current: InstalledRelease | undefined,
  options: { tarball: string | undefined; to: string | undefined; registry: string | undefined },
): ReleaseSource {
  if (typeof fields.mcp === 'object' || typeof fields.path === 'string') {
    throw new CliError(`${name} is ${typeof fields.path === 'string' ? 'a plugin folder ("path"), used in place' : 'an MCP server'}; only installed packages and tarballs are upgraded`);
  }
  if (typeof fields.tarball === 'string' || options.tarball !== undefined) {
    if (options.tarball === undefined) throw usageError(`${name} was installed from a tarball: give the new archive, e.g. \`acai plugin upgrade ${name} ./${name}-2.0.0.tgz\``, 'plugin upgrade');
    if (typeof fields.tarball !== 'string') throw usageError(`${name} is installed from a registry package; a tarball replaces it only through \`acai plugin remove\` and \`add\``, 'plugin upgrade');
    if (options.to !== undefined || options.registry !== undefined) throw usageError('--to and --registry apply to registry packages', 'plugin upgrade');
    return { kind: 'tarball', path: options.tarball };
  }
  if (typeof fields.package !== 'string') throw new CliError(`${name} has no package to upgrade`);
  const range = options.to ?? (typeof fields.version === 'string' ? fields.version : 'latest');
  return { kind: 'registry', spec: `${fields.package}@${range}`, registry: options.registry ?? current?.registry };
}

function readInstalled(value: unknown): InstalledRelease | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { version, integrity, registry } = value as Record<string, unknown>;
  if (typeof version !== 'string' || typeof integrity !== 'string') return undefined;
  return { version, integrity, ...(typeof registry === 'string' ? { registry } : {}) };
}

/**
 * The breaking-change guard, before anything changes: a newer release whose tools break the current
 * release's without a major version bump (see diffToolSets), described; undefined when there is none.
 */
function breakingChanges(fromVersion: string, previous: LoadOutcome, toVersion: string, next: LoadOutcome): { readonly breaks: readonly SchemaBreak[]; readonly message: string } | undefined {
  if (previous.error !== undefined || semver.valid(toVersion) === null || semver.valid(fromVersion) === null) return undefined;
  if (!semver.gt(toVersion, fromVersion) || isMajorBump(fromVersion, toVersion)) return undefined;
  const schemas = (outcome: LoadOutcome) => new Map<string, Schema>(outcome.toolInfos.map((tool) => [tool.tool, tool.parameters as Schema]));
  const breaks = diffToolSets(schemas(previous), schemas(next));
  if (breaks.length === 0) return undefined;
  return { breaks, message: `${toVersion} breaks the tool parameters of ${fromVersion} without a major version bump: ${describeBreaks(breaks)}` };
}
