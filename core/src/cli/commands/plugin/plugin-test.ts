import { CliError, usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { createCliLogger } from '../../cli-logger.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { parseJsonFlag } from '../../parse-json-flag.js';
import { configErrorToCli } from '../../plugins-config-file.js';
import { runConformance, type ConformanceReport, type StepStatus } from '../../plugin-checks/run-conformance.js';
import { formatValidationReport, localPluginSource, readPluginConfigFlag, readSandboxFlag, warnIfUnsandboxed } from './plugin-validate.js';

export const PLUGIN_TEST_HELP = `Usage: acai plugin test <path> [options]

A conformance run of a plugin through the host's real call path, with a scripted model instead of a
real one. After the host's load checks, for every tool:
  model turn       the host's tool loop offers the tool; the model calls it and must get the result
  arguments        malformed and hostile arguments are refused before the tool runs
  oversized input  a 64 KiB free-text argument is refused by schema or handled
  cancellation     cancelling mid-call: the tool must stop once its signal fires
  deadline         a short call deadline: the tool must stop once its signal fires
  output cap       the output fits the cap (and is capped at the smallest cap)
and for the plugin: the breaker's classification of every outcome (caller faults do not count) and
secret scrubbing (declared secrets get canary values unless configured). Ends with a pass/fail
report; exits 1 when a step fails. Each tool is called about ten times with sample arguments
generated from its schema (or --args): do not run it against tools with side effects you cannot repeat.
The plugin runs where the host would run it, as \`acai plugin validate\` says: a third-party plugin in
its bubblewrap sandbox with what it asks for (its worker reports when each tool stopped and whether it
read its signal), a first-party one in this process.

Options:
      --args <tool>=<json>    arguments for one tool (repeatable), e.g. --args get_quote='{"symbol":"ACME"}'
      --plugin-config <json>  the plugin's "config" block (\${VAR} references are read from the environment)
      --timeout-ms <n>        call timeout of ordinary calls (default: the host's default policy)
      --deadline-ms <n>       the short deadline of the deadline step (default 100)
      --grace-ms <n>          how long a tool may run on after its signal fired (default 2000)
      --sandbox <none|bubblewrap>
                              as "sandbox" in plugins.config.json (see acai plugin validate --help):
                              none runs a third-party plugin in this process WITHOUT a sandbox
      --json                  print the report as JSON
      --log-level <level>     show the host's log lines on stderr

Examples:
  acai plugin test .
  acai plugin test ./acai-plugin-stock-quotes-0.1.0.tgz --args get_quote='{"symbol":"ACME"}'
  acai plugin test ../weather --plugin-config '{"provider":"open-meteo"}' --timeout-ms 5000
`;

function positiveInteger(text: string | undefined, flag: string, maximum: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > maximum) throw usageError(`${flag} must be a whole number from 1 to ${maximum}, got "${text}"`, 'plugin test');
  return value;
}

export async function runPluginTest(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin test', args, {
    args: { type: 'string', multiple: true },
    'plugin-config': { type: 'string' },
    'timeout-ms': { type: 'string' },
    'deadline-ms': { type: 'string' },
    'grace-ms': { type: 'string' },
    sandbox: { type: 'string' },
    json: { type: 'boolean' },
    'log-level': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(PLUGIN_TEST_HELP);
    return 0;
  }
  if (positionals.length > 1) throw usageError(`unexpected argument "${positionals[1]}"`, 'plugin test');
  if (positionals[0] === undefined) throw usageError('missing the plugin folder or tarball', 'plugin test');
  const argsByTool = new Map<string, unknown>();
  for (const pair of values.args ?? []) {
    const separator = pair.indexOf('=');
    const tool = separator > 0 ? pair.slice(0, separator) : '';
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(tool)) throw usageError(`--args takes <tool>=<json>, e.g. --args get_quote='{"symbol":"ACME"}'; got "${pair.slice(0, 40)}"`, 'plugin test');
    argsByTool.set(tool, parseJsonFlag(pair.slice(separator + 1), `--args ${tool}`, 'plugin test', 'any'));
  }
  const pluginConfig = readPluginConfigFlag(values['plugin-config'], 'plugin test');
  const timeoutMs = positiveInteger(values['timeout-ms'], '--timeout-ms', 600_000);
  const deadlineMs = positiveInteger(values['deadline-ms'], '--deadline-ms', 60_000);
  const graceMs = positiveInteger(values['grace-ms'], '--grace-ms', 60_000);
  const source = localPluginSource(positionals[0], 'plugin test', io.cwd);
  const sandbox = readSandboxFlag(values.sandbox, 'plugin test');
  warnIfUnsandboxed(sandbox, io);
  let report: ConformanceReport;
  try {
    report = await runConformance({
      source,
      cwd: io.cwd,
      env: io.env,
      logger: createCliLogger(io, values['log-level']),
      argsByTool,
      ...(pluginConfig ? { pluginConfig } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
      ...(graceMs !== undefined ? { graceMs } : {}),
      ...(sandbox !== undefined ? { sandbox } : {}),
    });
  } catch (error) {
    throw configErrorToCli(error);
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  const style = createStyle(io);
  const label: Record<StepStatus, string> = { pass: style.green('PASS'), warn: style.cyan('WARN'), fail: style.red('FAIL'), skip: style.dim('SKIP') };
  const lines: string[] = [];
  if (!report.validation.ok) lines.push(formatValidationReport(report.validation, style).trimEnd());
  let currentTool: string | undefined = '';
  let hasToolSteps = false;
  for (const step of report.steps) {
    if (step.tool !== currentTool) {
      currentTool = step.tool;
      hasToolSteps ||= step.tool !== undefined;
      lines.push(style.bold(step.tool ?? (hasToolSteps ? `${report.identity.name} (all tools)` : report.identity.name)));
    }
    lines.push(`  ${label[step.status]}  ${step.step.padEnd(15)} ${step.detail}`);
  }
  const { pass, warn, fail, skip } = report.counts;
  lines.push('', `${report.ok ? style.green('PASSED') : style.red('FAILED')}: ${pass} passed, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skip} skipped`);
  io.stdout.write(`${lines.join('\n')}\n`);
  if (!report.ok) throw new CliError(`${report.identity.name} failed ${fail} conformance step${fail === 1 ? '' : 's'}`);
  return 0;
}
