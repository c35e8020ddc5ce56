import type { Registry } from 'prom-client';
import type { ToolCallResult } from '../../tool-calls/index.js';
import { CliError, usageError } from '../cli-error.js';
import { createStyle, type CliIo, type Style } from '../cli-io.js';
import { createCliLogger } from '../cli-logger.js';
import { formatTable } from '../format-table.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, listHostPlugins } from '../host-connection.js';
import { loadLocalPluginHost } from '../local-plugin-host.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { MAX_JSON_FLAG_BYTES, parseJsonFlag } from '../parse-json-flag.js';

export const TOOLS_HELP = `Usage: acai tools list [options]
       acai tools call <tool> [--args <json>] [options]

list   the tools the host offers the model (exposed name, plugin, version, description).
       Without --url it loads the plugins of plugins.config.json like the host does; with --url it
       asks a running host (admin API; the API key needs the "admin" scope).
call   runs one tool through the host's real call path in this process — argument validation
       against the strict schema, the plugin's call policy (timeout, bulkhead, breaker, retries),
       output cap, secret scrubbing and metrics — and prints what the model would see. Exits 1
       unless the outcome is ok.

Options:
      --config <path>      plugins.config.json (env PLUGINS_CONFIG, default ./plugins.config.json)
      --args <json>        call: the arguments object, as a model would send it (default {})
      --raw                call: pass --args to the call path as text, unparsed (to see how it
                           handles broken JSON)
      --metrics            call: also print the tool's metrics after the call
      --json               print JSON (list: the tools with their schemas; call: the full result)
      --log-level <level>  show the host's log lines on stderr
${CONNECTION_HELP}

Examples:
  acai tools list
  acai tools list --url http://127.0.0.1:8080 --api-key "$ACAI_ADMIN_KEY"
  acai tools call datetime__get_current_time --args '{"time_zone":"Europe/Madrid"}'
  acai tools call weather__get_forecast --args '{"location":"Lisbon","days":2}' --json --metrics
`;

type Values = ReturnType<typeof parseTools>['values'];

function parseTools(args: readonly string[]) {
  return parseCommandArgs('tools', args, {
    ...CONNECTION_OPTIONS,
    config: { type: 'string' },
    args: { type: 'string' },
    raw: { type: 'boolean' },
    metrics: { type: 'boolean' },
    json: { type: 'boolean' },
    'log-level': { type: 'string' },
  });
}

export async function runToolsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseTools(args);
  const [subcommand, ...rest] = positionals;
  if (values.help || subcommand === undefined || subcommand === 'help') {
    io.stdout.write(TOOLS_HELP);
    return values.help || subcommand === 'help' ? 0 : 2;
  }
  if (subcommand === 'list') {
    if (rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`, 'tools');
    return values.url !== undefined ? listFromHost(io, values) : listLocally(io, values);
  }
  if (subcommand === 'call') {
    const [tool, extra] = rest;
    if (tool === undefined) throw usageError('missing the tool name (see `acai tools list`)', 'tools');
    if (extra !== undefined) throw usageError(`unexpected argument "${extra}"; pass the arguments with --args '{…}'`, 'tools');
    if (values.url !== undefined) throw usageError('tools call runs the tool in this process; --url is for tools list', 'tools');
    return callTool(io, tool, values);
  }
  throw usageError(`unknown subcommand "${subcommand}"`, 'tools');
}

async function listLocally(io: CliIo, values: Values): Promise<number> {
  const local = await loadLocalPluginHost(io, values.config, createCliLogger(io, values['log-level']));
  try {
    const tools = local.host.listTools();
    const failed = local.host.listPlugins().filter((plugin) => plugin.state === 'failed');
    for (const plugin of failed) io.stderr.write(`acai: warning: plugin ${plugin.name} failed to load (${plugin.error?.code}: ${plugin.error?.message})\n`);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(tools, null, 2)}\n`);
      return 0;
    }
    io.stdout.write(
      tools.length === 0
        ? 'No tools: no plugin is enabled and loaded. See `acai plugin list`.\n'
        : formatTable(
            ['TOOL', 'PLUGIN', 'VERSION', 'DESCRIPTION'],
            tools.map((tool) => [tool.exposedName, tool.plugin, tool.pluginVersion, firstLine(tool.description)]),
          ),
    );
    return 0;
  } finally {
    await local.close();
  }
}

async function listFromHost(io: CliIo, values: Values): Promise<number> {
  const { plugins, url } = await listHostPlugins(io, values);
  const tools = plugins
    .filter((plugin) => plugin.state === 'ACTIVE')
    .flatMap((plugin) => (plugin.tools ?? []).map((tool) => ({ ...tool, plugin: plugin.name ?? '', plugin_version: plugin.version ?? '' })));
  if (values.json) {
    io.stdout.write(`${JSON.stringify(tools, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(
    tools.length === 0
      ? `No tools: ${url} has no active plugin.\n`
      : formatTable(
          ['TOOL', 'PLUGIN', 'VERSION', 'DESCRIPTION'],
          tools.map((tool) => [tool.exposed_name ?? '', tool.plugin, tool.plugin_version, firstLine(tool.description ?? '')]),
        ),
  );
  return 0;
}

async function callTool(io: CliIo, tool: string, values: Values): Promise<number> {
  const text = values.args ?? '{}';
  let rawArguments: unknown;
  if (values.raw) {
    if (Buffer.byteLength(text, 'utf8') > MAX_JSON_FLAG_BYTES) throw usageError(`--args is larger than ${MAX_JSON_FLAG_BYTES / 1024} KiB`, 'tools');
    rawArguments = text;
  } else {
    rawArguments = parseJsonFlag(text, '--args', 'tools');
  }
  const local = await loadLocalPluginHost(io, values.config, createCliLogger(io, values['log-level']));
  let result: ToolCallResult;
  try {
    result = await local.host.callTool(tool, rawArguments);
    const style = createStyle(io);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      io.stdout.write(describeResult(result, style));
    }
    if (values.metrics) io.stdout.write(await toolMetrics(local.registry, result));
  } finally {
    await local.close();
  }
  if (result.outcome !== 'ok') throw new CliError(`${tool}: ${result.outcome}${result.error ? `: ${result.error.code}: ${result.error.message}` : ''}`);
  return 0;
}

function describeResult(result: ToolCallResult, style: Style): string {
  const identity = result.plugin ? `${result.plugin.name} ${result.plugin.version}` : 'no plugin';
  const outcome = result.outcome === 'ok' ? style.green('ok') : style.red(result.outcome);
  const header = style.dim(`${result.exposedName} → ${outcome}${style.dim(` in ${Math.round(result.durationMs)} ms (${identity}${result.schemaFingerprint ? `, schema ${result.schemaFingerprint}` : ''})`)}`);
  const fullContent = result.fullContent ?? result.content;
  const truncated = result.content.length < fullContent.length ? style.dim(`\n(the model sees this capped form; the full result is ${Buffer.byteLength(fullContent)} bytes, see --json)`) : '';
  return `${header}\n${result.content}${truncated}\n`;
}

async function toolMetrics(registry: Registry, result: ToolCallResult): Promise<string> {
  const text = await registry.metrics();
  const plugin = result.plugin?.name;
  const lines = text.split('\n').filter((line) => line.startsWith('acai_tool') && (plugin === undefined || line.includes(`plugin="${plugin}"`)));
  return `\n${lines.join('\n')}\n`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
