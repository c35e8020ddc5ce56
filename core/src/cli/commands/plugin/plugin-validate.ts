import { CliError, usageError } from '../../cli-error.js';
import { createStyle, type CliIo, type Style } from '../../cli-io.js';
import { createCliLogger } from '../../cli-logger.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { parseJsonFlag } from '../../parse-json-flag.js';
import { describePermissionSet } from '../../../plugin-host/index.js';
import { configErrorToCli } from '../../plugins-config-file.js';
import { parseMcpSource, parsePluginSource, type PluginSourceSpec } from '../../plugin-checks/parse-plugin-source.js';
import { compareWithRelease, type ReleaseComparison } from '../../plugin-checks/compare-with-release.js';
import { loadPluginForInspection, type ValidationReport } from '../../plugin-checks/validate-plugin.js';
import { checkRegistryUrl } from './plugin-add.js';
import type { SandboxSetting } from '../../../config/isolation-modes.js';

export const PLUGIN_VALIDATE_HELP = `Usage: acai plugin validate <path> [options]
       acai plugin validate --mcp <json> --name <name> [options]

Run every load-time check of the host on a plugin, without a host: resolve, manifest, version ranges
(the plugin's SDK and host ranges against this host), import, config schema, secrets, strict tool
schemas and the provider lint (a quarantined tool fails validation), tool names, setup within its
deadline. The messages are the host's own. <path> is a plugin package folder or a tarball made by
\`npm pack\`. Exits 1 when a check fails. It prints what the plugin asks for (its permissions: network
hosts, environment variables, read paths, a scratch directory, processes) and runs the checks as if
that were granted. "sandbox:" says where it ran: where the host would run it. A third-party plugin is
imported and set up in its bubblewrap sandbox with exactly what it asks for (not your home directory,
environment or loopback services); where no sandbox can be made the "sandbox" check fails, naming the
fix. A first-party plugin (the host's own plugins/) runs in this process, as in the host.

With --mcp it checks an MCP server instead, as the host would load it from a plugins.config.json entry
with that "mcp" block: variables set, start, initialize within the setup deadline, version range,
tool schemas (the strict rewriting and the provider lint) and tool names.

With --against it also compares the plugin's tool schemas with a published release — a tarball,
or <name>@<version|range> from the registry — and fails when they break callers of that release
(a removed tool or property, a new required property, a narrower type, fewer enum values, tighter
bounds) without a major version bump (minor for 0.x), printing each change and the version the
release needs. Run it before publishing; hosts refuse such a release.

Options:
      --against <spec>        a published release to compare tool schemas with: <name>@<range>
                              (from the registry) or a tarball
      --registry <url>        the npm registry --against downloads from (default: npm's configuration)
      --plugin-config <json>  the plugin's "config" block as in plugins.config.json (\${VAR}
                              references are read from the environment)
      --mcp <json>            an MCP server's "mcp" block, e.g. '{"command":"npx","args":["-y","some-server"]}'
                              or '{"url":"https://mcp.example.com/mcp"}' (\${VAR} read from the environment)
      --name <name>           with --mcp: the plugin name its tools are exposed under
      --sandbox <none|bubblewrap>
                              as "sandbox" in plugins.config.json: none runs a third-party plugin in
                              this process WITHOUT a sandbox, with your rights (files, environment,
                              network): only for code you would run yourself; bubblewrap sandboxes
                              a first-party one too
      --json                  print the report as JSON
      --log-level <level>     show the host's log lines on stderr

Examples:
  acai plugin validate .
  acai plugin validate ./acai-plugin-stock-quotes-0.1.0.tgz
  acai plugin validate . --against acai-plugin-stock-quotes@latest
  acai plugin validate . --against ./acai-plugin-stock-quotes-1.0.0.tgz
  acai plugin validate ../weather --plugin-config '{"provider":"weatherapi","apiKey":"\${WEATHER_API_KEY}"}'
  acai plugin validate --mcp '{"command":"node","args":["./servers/files.js"]}' --name files
`;

/** A plugin folder or tarball for validate/test (package names are resolved by `plugin add` only). */
export function localPluginSource(argument: string | undefined, command: string, cwd: string): PluginSourceSpec {
  if (argument === undefined) throw usageError('missing the plugin folder or tarball', command);
  const looksLikeFile = argument.startsWith('.') || argument.startsWith('/') || argument.includes('/') || /\.(tgz|tar\.gz)$/i.test(argument);
  const source = parsePluginSource(looksLikeFile ? argument : `./${argument}`, cwd, cwd);
  if (source.kind === 'package') throw usageError(`"${argument}" is not a plugin folder or tarball`, command);
  return source;
}

/** `--sandbox`: the entry's `sandbox` setting, as plugins.config.json spells it. */
export function readSandboxFlag(text: string | undefined, command: string): SandboxSetting | undefined {
  if (text === undefined) return undefined;
  if (text === 'none' || text === 'bubblewrap') return text;
  throw usageError(`--sandbox takes none or bubblewrap (as "sandbox" in plugins.config.json), got "${text.slice(0, 40)}"`, command);
}

/** `--sandbox none` runs a stranger's code with the user's rights: said loudly, before any of it runs. */
export function warnIfUnsandboxed(sandbox: SandboxSetting | undefined, io: CliIo): void {
  if (sandbox !== 'none') return;
  const style = createStyle({ ...io, stdout: io.stderr });
  io.stderr.write(
    `${style.red(style.bold('WARNING'))}: --sandbox none: the plugin runs WITHOUT a sandbox (a package in this process, an MCP server as a child of it), with your rights: it can read every file, environment variable and network address you can (home directory, SSH keys, tokens). Use it only for code you would run yourself.\n`,
  );
}

export function readPluginConfigFlag(text: string | undefined, command: string): Record<string, unknown> | undefined {
  return text === undefined ? undefined : (parseJsonFlag(text, '--plugin-config', command) as Record<string, unknown>);
}

export async function runPluginValidate(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin validate', args, {
    'plugin-config': { type: 'string' },
    mcp: { type: 'string' },
    name: { type: 'string' },
    against: { type: 'string' },
    registry: { type: 'string' },
    sandbox: { type: 'string' },
    json: { type: 'boolean' },
    'log-level': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(PLUGIN_VALIDATE_HELP);
    return 0;
  }
  const sandbox = readSandboxFlag(values.sandbox, 'plugin validate');
  const isMcp = values.mcp !== undefined;
  if (positionals.length > (isMcp ? 0 : 1)) throw usageError(`unexpected argument "${positionals[isMcp ? 0 : 1]}"`, 'plugin validate');
  if (!isMcp && positionals[0] === undefined) throw usageError('missing the plugin folder or tarball (or --mcp for an MCP server)', 'plugin validate');
  if (isMcp && values['plugin-config'] !== undefined) throw usageError('--plugin-config applies to plugin packages; an MCP server is configured in its --mcp block', 'plugin validate');
  if (!isMcp && values.name !== undefined) throw usageError('--name applies to --mcp; a package declares its own name', 'plugin validate');
  const pluginConfig = readPluginConfigFlag(values['plugin-config'], 'plugin validate');
  const source = isMcp ? parseMcpSource(values.mcp ?? '', values.name, 'plugin validate') : localPluginSource(positionals[0], 'plugin validate', io.cwd);
  if (isMcp && values.against !== undefined) throw usageError('--against compares plugin packages; an MCP server is not published as one', 'plugin validate');
  const registry = values.registry === undefined ? undefined : checkRegistryUrl(values.registry, 'plugin validate');
  const logger = createCliLogger(io, values['log-level']);
  warnIfUnsandboxed(sandbox, io);
  let report: ValidationReport;
  let comparison: ReleaseComparison | undefined;
  try {
    const loaded = await loadPluginForInspection({ source, cwd: io.cwd, env: io.env, logger, ...(pluginConfig ? { pluginConfig } : {}), ...(sandbox ? { sandbox } : {}) });
    try {
      report = loaded.report;
      if (values.against !== undefined && report.ok) {
        comparison = await compareWithRelease({ version: report.identity.version ?? '0.0.0', tools: loaded.host.listTools() }, values.against, {
          cwd: io.cwd,
          env: io.env,
          logger,
          registry,
          ...(pluginConfig ? { pluginConfig } : {}),
        });
      }
    } finally {
      await loaded.workspace.dispose();
    }
  } catch (error) {
    throw configErrorToCli(error);
  }
  const isOk = report.ok && comparison?.ok !== false;
  if (values.json) {
    io.stdout.write(`${JSON.stringify(comparison === undefined ? report : { ...report, ok: isOk, comparison }, null, 2)}\n`);
    return isOk ? 0 : 1;
  }
  const style = createStyle(io);
  io.stdout.write(formatValidationReport(report, style));
  if (!report.ok) {
    const failed = report.checks.find((check) => check.status === 'failed');
    throw new CliError(`${report.identity.name} fails the "${failed?.check}" check of host ${report.hostVersion}`);
  }
  if (comparison !== undefined) {
    io.stdout.write(formatComparison(comparison, style));
    if (!comparison.ok) throw new CliError(`${report.identity.name} ${comparison.version} breaks callers of ${comparison.against}: publish it as ${comparison.requiredVersion}`);
  }
  return 0;
}

/** The human form of `--against`: each breaking change, then the verdict. */
export function formatComparison(comparison: ReleaseComparison, style: Style): string {
  const lines = [`Compared with ${comparison.against}:`];
  for (const change of comparison.breaks) lines.push(`  ${style.red('✗')} ${change.tool}${change.path === '' ? '' : ` ${change.path}`}: ${change.change}`);
  if (comparison.breaks.length === 0) lines.push(`  ${style.green('✓')} every tool accepts what ${comparison.baselineVersion} accepted`);
  if (comparison.requiredVersion !== undefined) {
    lines.push(`${style.red('Breaking')}: these changes need a major release: publish ${comparison.requiredVersion} (or later), not ${comparison.version}.`);
  } else if (comparison.breaks.length > 0) {
    lines.push(`${style.green('OK')}: ${comparison.version} announces the breaking changes with its major version.`);
  }
  if (comparison.isNotNewer) lines.push(`note: ${comparison.version} is not newer than ${comparison.baselineVersion}; bump the version before publishing (\`npm version …\`).`);
  return `${lines.join('\n')}\n`;
}

/** The human form of a validation report (also the first part of `acai plugin test`). */
export function formatValidationReport(report: ValidationReport, style: Style): string {
  const { identity } = report;
  const mark = { passed: style.green('✓'), failed: style.red('✗'), 'not run': style.dim('-') } as const;
  const lines = [
    `${style.bold(identity.name)}${identity.packageName ? ` (${identity.packageName}${identity.version ? `@${identity.version}` : ''})` : ''} against host ${report.hostVersion}`,
  ];
  for (const check of report.checks) {
    lines.push(`  ${mark[check.status]} ${check.check}${check.status === 'not run' ? style.dim(' (not run)') : ''}`);
    if (check.status === 'failed') lines.push(`      ${check.code}: ${check.message}`);
    if (check.status === 'failed' && check.code === 'HOST_SANDBOX_UNAVAILABLE') {
      lines.push(`      To check it anyway, in this process and with your rights, pass --sandbox none (only for code you would run yourself).`);
    }
  }
  const isQuarantineFailure = report.checks.some((check) => check.status === 'failed' && check.check === 'tool schemas');
  if (!isQuarantineFailure) for (const tool of report.quarantinedTools) lines.push(`  ${style.red('quarantined')} ${tool.tool}: ${tool.reason}`);
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
  lines.push(`  asks for: ${describePermissionSet(report.permissions).join('; ')}`);
  if (report.sandbox !== undefined) lines.push(`  sandbox: ${report.sandbox === 'bubblewrap' ? 'bubblewrap' : `none (${report.sandbox})`}`);
  if (report.tools.length > 0) lines.push(`  tools: ${report.tools.join(', ')}`);
  if (report.ok) lines.push(`${style.green('OK')}: ${identity.name} passes every load check`);
  return `${lines.join('\n')}\n`;
}
