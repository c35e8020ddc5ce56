// npm run bench:start-priority — how long a plugin takes to start (import + setup, or an MCP server's
// start + initialize + tools/list) while two CPU hogs at the host's priority keep both cores busy, for
// a plugin whose import does a fixed amount of CPU work:
//   - "niced at start": the start runs at niceness 10, as before this change (the worker reniced itself
//     before importing the plugin, the stdio server was reniced at spawn). Reproduced by a plugin (or
//     server) that renices itself, and its autogroup, as its first statement;
//   - "niced when ready" (now): import and setup run at the host's priority, PLUGIN_WORKER_NICE applies
//     once the plugin is set up (the MCP server once it answered tools/list).
// Prints medians and ratios against the same start on an idle machine, measured in the same run. No
// pass/fail: the machine is shared and noisy.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createFakeClock, createToolHttpClient, MemoryToolCache } from '@acai/plugin-sdk/host';
import { pino } from 'pino';
import type { WorkerIsolation } from '../core/src/config/isolation-modes.js';
import { checkMcpServer, DEFAULT_MCP_SETTINGS } from '../core/src/plugin-host/mcp/index.js';
import { WorkerPluginRuntime } from '../core/src/plugin-host/worker/index.js';
import { parsePluginsConfig } from '../core/src/config/plugins-config.js';
import { median, writeBenchPlugin } from './bench-support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Iterations of the start-up work (a few hundred ms on an idle core). */
const WORK = Number(process.env.BENCH_START_WORK ?? 20_000_000);
const NICENESS = 10;
const REPO_NODE_MODULES = fileURLToPath(new URL('../node_modules/', import.meta.url));
const logger = pino({ level: 'silent' });

/** The start-up work, and (for "niced at start") the renice the old code did before it. */
function startUpWork(nicedAtStart: boolean): string {
  return `import { setPriority } from 'node:os';
import { writeFileSync } from 'node:fs';
${nicedAtStart ? `try { setPriority(0, ${NICENESS}); } catch {}\n` : ''}let accumulator = 0;
for (let index = 0; index < ${WORK}; index += 1) accumulator = (accumulator + Math.sqrt(index)) % 1e9;
globalThis.__startWork = accumulator;
`;
}

function pluginSource(nicedAtStart: boolean): string {
  return `${startUpWork(nicedAtStart)}
export default { name: 'bench', description: 'Starts slowly', tools: [{ name: 'do_nothing', description: 'Returns at once', parameters: { type: 'object', properties: {}, required: [], additionalProperties: false }, execute: () => 'ok' }] };
`;
}

function serverSource(nicedAtStart: boolean): string {
  // The old host reniced a stdio server's autogroup at spawn; a server in a session of its own does it itself here.
  const autogroup = nicedAtStart ? `try { writeFileSync('/proc/self/autogroup', '${NICENESS}'); } catch {}\n` : '';
  // Imported after the work, as a server that loads its dependencies once it runs.
  return `${startUpWork(nicedAtStart)}${autogroup}
const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
const { createFixtureServer } = await import(${JSON.stringify(new URL('../tests/fixtures/mcp-servers/fixture-server.js', import.meta.url).href)});
await createFixtureServer({ only: ['do_nothing'] }).connect(new StdioServerTransport());
process.stdin.on('end', () => process.exit(0));
`;
}

async function startWorker(entry: string, isolation: WorkerIsolation): Promise<number> {
  const started = performance.now();
  const runtime = new WorkerPluginRuntime({
    entryUrl: pathToFileURL(entry),
    isolation,
    niceness: NICENESS,
    hardDeadlineMs: 600_000,
    services: {
      logger,
      cache: new MemoryToolCache(),
      clock: createFakeClock({ now: '2025-03-01T12:00:00.000Z' }),
      plugin: { name: 'bench', version: '1.0.0' },
      createHttpClient: (signal) => createToolHttpClient({ allowedHosts: [], signal }),
    },
  });
  await runtime.load();
  await runtime.setup({}, AbortSignal.timeout(600_000));
  const elapsed = performance.now() - started;
  await runtime.dispose();
  return elapsed;
}

async function startServer(script: string, work: string): Promise<number> {
  const config = parsePluginsConfig(
    { plugins: [{ name: 'bench', mcp: { command: process.execPath, args: [script] }, policy: { setupTimeoutMs: 600_000 } }] },
    { path: join(work, 'plugins.config.json'), env: {} },
  );
  const entry = config.plugins[0]!;
  if (entry.source.kind !== 'mcp') throw new Error('not an MCP entry');
  const started = performance.now();
  const checked = await checkMcpServer({
    entry,
    server: entry.source.server,
    secretValues: [],
    source: 'bench',
    address: 'bench',
    logger,
    settings: { ...DEFAULT_MCP_SETTINGS, niceness: NICENESS, clientInfo: { name: 'bench', version: '0.0.0' } },
  });
  const elapsed = performance.now() - started;
  await checked.runtime.dispose();
  return elapsed;
}

function startHogs(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

type Starter = (nicedAtStart: boolean) => Promise<number>;

/** Median start time (ms) per variant, alternating the variants round by round so drift hits both alike. */
async function measure(start: Starter): Promise<{ atStart: number; whenReady: number }> {
  const atStart: number[] = [];
  const whenReady: number[] = [];
  await start(false);
  for (let round = 0; round < ROUNDS; round += 1) {
    atStart.push(await start(true));
    whenReady.push(await start(false));
  }
  return { atStart: median(atStart), whenReady: median(whenReady) };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'acai-bench-start-'));
  try {
    // Plugins and servers live in the repository's node_modules reach, so the SDK imports resolve.
    for (const [folder, nicedAtStart] of [['niced-at-start', true], ['niced-when-ready', false]] as const) {
      await writeBenchPlugin(join(work, folder), 'bench', pluginSource(nicedAtStart));
    }
    const serverDir = await mkdtemp(join(REPO_NODE_MODULES, '.acai-bench-start-'));
    try {
      for (const nicedAtStart of [true, false]) await writeFile(join(serverDir, `${nicedAtStart ? 'niced-at-start' : 'niced-when-ready'}.mjs`), serverSource(nicedAtStart));
      const starters: Array<[string, Starter]> = [
        ['worker (thread)', (niced) => startWorker(join(work, niced ? 'niced-at-start' : 'niced-when-ready', 'index.js'), 'thread')],
        ['worker (process)', (niced) => startWorker(join(work, niced ? 'niced-at-start' : 'niced-when-ready', 'index.js'), 'process')],
        ['MCP stdio server', (niced) => startServer(join(serverDir, `${niced ? 'niced-at-start' : 'niced-when-ready'}.mjs`), work)],
      ];
      console.log(`start time of a plugin whose start does ${WORK} iterations of CPU work (median of ${ROUNDS} rounds, ms)`);
      console.log(`${'plugin'.padEnd(18)} ${'idle'.padStart(22)} ${'2 CPU hogs'.padStart(22)} ${'slowdown by the hogs'.padStart(26)}`);
      console.log(`${''.padEnd(18)} ${'at start / when ready'.padStart(22)} ${'at start / when ready'.padStart(22)} ${'at start / when ready'.padStart(26)}`);
      for (const [label, start] of starters) {
        const idle = await measure(start);
        const hogs = startHogs(2);
        let loaded: { atStart: number; whenReady: number };
        try {
          loaded = await measure(start);
        } finally {
          for (const hog of hogs) hog.kill('SIGKILL');
        }
        const pair = (values: { atStart: number; whenReady: number }) => `${values.atStart.toFixed(0)} / ${values.whenReady.toFixed(0)}`;
        const slowdown = `${(loaded.atStart / idle.atStart).toFixed(1)}× / ${(loaded.whenReady / idle.whenReady).toFixed(1)}×`;
        console.log(`${label.padEnd(18)} ${pair(idle).padStart(22)} ${pair(loaded).padStart(22)} ${slowdown.padStart(26)}`);
      }
    } finally {
      await rm(serverDir, { recursive: true, force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
