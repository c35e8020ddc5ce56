// npm run bench:tools — prints (no pass/fail):
//  1. median per-call overhead of the host call path (parse + validate + bulkhead + breaker + timeout
//     + cap + metrics) versus calling the tool's execute directly, for a no-op tool;
//  2. the time to load 50 generated plugins.
// Needs built packages (npx tsc -b): the host imports @acai/plugin-sdk/host from dist.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolContext } from '@acai/plugin-sdk';
import { createFakeClock, createToolHttpClient, MemoryToolCache } from '@acai/plugin-sdk/host';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { MemoryKeyValueStore } from '../core/src/cache/index.js';
import { parsePluginsConfig } from '../core/src/config/plugins-config.js';
import { loadPluginHost, type PluginHost } from '../core/src/plugin-host/index.js';
import { measureCallMicros, NOOP_PLUGIN_SOURCE, writeBenchPlugin } from './bench-support.js';

const WARM_UP_CALLS = 30_000;
const ROUNDS = 60;
const CALLS_PER_ROUND = 2_000;
const TIMING = { warmUpCalls: WARM_UP_CALLS, rounds: ROUNDS, callsPerRound: CALLS_PER_ROUND };
const PLUGIN_COUNT = 50;

/** A plugin with three tools of realistic size (a few typed properties each). */
function generatedPlugin(name: string, seed: number): string {
  const tools = ['get_item', 'list_items', 'update_item'].map(
    (tool, index) => `{
    name: '${tool}',
    description: 'Tool ${index} of ${name}',
    parameters: {
      type: 'object',
      properties: {
        id: { type: 'string', minLength: 1, maxLength: ${seed * 10 + index + 8} },
        when: { type: ['string', 'null'], format: 'date' },
        limit: { type: 'integer', minimum: 1, maximum: 100 },
        mode: { type: 'string', enum: ['fast', 'full'] },
      },
      required: ['id', 'when', 'limit', 'mode'],
      additionalProperties: false,
    },
    execute: (args) => JSON.stringify(args),
  }`,
  );
  return `export default {
  name: '${name}',
  description: 'Generated plugin ${name}',
  configSchema: { type: 'object', properties: { region: { type: 'string', default: 'eu' } }, additionalProperties: false },
  tools: [${tools.join(',\n')}],
};
`;
}

async function loadHost(dir: string, plugins: Array<Record<string, unknown>>, dataDir: string, registry = new Registry()): Promise<PluginHost> {
  return loadPluginHost({
    config: parsePluginsConfig({ plugins }, { path: join(dir, 'plugins.config.json'), env: {} }),
    configDir: dir,
    dataDir,
    hostVersion: '0.1.0',
    keyValueStore: new MemoryKeyValueStore(),
    logger: pino({ level: 'info' }, pino.destination('/dev/null')),
    metricsRegistry: registry,
  });
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'acai-bench-tools-'));
  try {
    // 1. Call-path overhead.
    await writeBenchPlugin(join(work, 'noop', 'bench'), 'bench', NOOP_PLUGIN_SOURCE);
    // The bench's own generated code, run inline to measure the call path alone: the entry opts out of the
    // sandbox a package that is not first-party gets by default (and inline cannot be sandboxed).
    const host = await loadHost(join(work, 'noop'), [{ name: 'bench', path: './bench', mode: 'inline', sandbox: 'none' }], join(work, 'data'));
    // Check before timing: a tool that failed to load answers NOT_FOUND fast, and that would be measured.
    const check = await host.callTool('bench__do_nothing', '{}');
    if (check.outcome !== 'ok') throw new Error(`bench tool failed: ${check.content}`);
    const module = (await import(`${join(work, 'noop', 'bench', 'index.js')}`)) as {
      default: { tools: Array<{ execute(args: unknown, context: ToolContext): unknown }> };
    };
    const execute = module.default.tools[0]!.execute;
    const signal = new AbortController().signal;
    const context: ToolContext = {
      config: {},
      logger: pino({ level: 'silent' }),
      signal,
      cache: new MemoryToolCache(),
      http: createToolHttpClient({ allowedHosts: [], signal }),
      clock: createFakeClock(),
      plugin: { name: 'bench', version: '1.0.0' },
      callId: 'bench',
    };
    const direct = await measureCallMicros(async () => execute({}, context), TIMING);
    const hostString = await measureCallMicros(() => host.callTool('bench__do_nothing', '{}'), TIMING);
    const hostObject = await measureCallMicros(() => host.callTool('bench__do_nothing', {}), TIMING);
    await host.dispose();

    console.log(`tool call path, no-op tool (${ROUNDS} rounds × ${CALLS_PER_ROUND} sequential awaited calls, ${WARM_UP_CALLS} warm-up; median of round means)`);
    console.log(`  execute() directly:                       ${direct.toFixed(2)} µs/call`);
    console.log(`  host.callTool(name, '{}')  (JSON string): ${hostString.toFixed(2)} µs/call   overhead ${(hostString - direct).toFixed(2)} µs`);
    console.log(`  host.callTool(name, {})    (object):      ${hostObject.toFixed(2)} µs/call   overhead ${(hostObject - direct).toFixed(2)} µs`);

    // 2. Loading 50 generated plugins (3 tools each).
    const many = join(work, 'many');
    const entries: Array<Record<string, unknown>> = [];
    for (let index = 0; index < PLUGIN_COUNT; index += 1) {
      const name = `generated-${String(index).padStart(2, '0')}`;
      await writeBenchPlugin(join(many, name), name, generatedPlugin(name, index));
      entries.push({ name, path: `./${name}`, mode: 'inline', sandbox: 'none', config: { region: 'us' } });
    }
    const timings: number[] = [];
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      const loaded = await loadHost(many, entries, join(work, 'data'));
      timings.push(performance.now() - started);
      if (loaded.listTools().length !== PLUGIN_COUNT * 3 || !loaded.loadReport().ok) throw new Error('generated plugins did not all load');
      await loaded.dispose();
    }
    console.log(`loading ${PLUGIN_COUNT} generated plugins (3 tools each, every load check, inline):`);
    console.log(`  first load (cold imports): ${timings[0]!.toFixed(0)} ms; later loads: ${timings.slice(1).map((time) => time.toFixed(0)).join(' ms, ')} ms`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
