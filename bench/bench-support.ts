// What the benchmark scripts share: sample statistics, the sequential per-call timer, the server under
// test in its own process, and the generated no-op plugin package they load through the real host.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** The middle of the samples (the mean of the two middle ones for an even count). */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The sample at `fraction` (0–1) of the sorted samples; NaN without samples. */
export function percentile(samples: readonly number[], fraction: number): number {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

/** How {@link measureCallMicros} samples. */
export interface CallTiming {
  readonly warmUpCalls: number;
  readonly rounds: number;
  readonly callsPerRound: number;
}

/** Median over rounds of the mean per-call time (µs) of `call`, awaited one after another. */
export async function measureCallMicros(call: () => Promise<unknown>, timing: CallTiming): Promise<number> {
  for (let index = 0; index < timing.warmUpCalls; index += 1) await call();
  const rounds: number[] = [];
  for (let round = 0; round < timing.rounds; round += 1) {
    const started = process.hrtime.bigint();
    for (let index = 0; index < timing.callsPerRound; index += 1) await call();
    rounds.push(Number(process.hrtime.bigint() - started) / 1000 / timing.callsPerRound);
  }
  return median(rounds);
}

/** The time (µs) of each of `count` sequential awaited calls of `call`, after `warmUpCalls` untimed ones. */
export async function sampleCallMicros(call: () => Promise<unknown>, warmUpCalls: number, count: number): Promise<number[]> {
  for (let index = 0; index < warmUpCalls; index += 1) await call();
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = process.hrtime.bigint();
    await call();
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return samples;
}

/** A plugin named `bench` with one tool, `do_nothing`, that returns at once (exposed as `bench__do_nothing`). */
export const NOOP_PLUGIN_SOURCE = `export default {
  name: 'bench',
  description: 'Benchmark plugin',
  tools: [{
    name: 'do_nothing',
    description: 'Returns at once',
    parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
    execute: () => 'ok',
  }],
};
`;

/** Writes a plugin package (package.json with the acai manifest + index.js) into `dir`. */
export async function writeBenchPlugin(dir: string, name: string, source: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const packageJson = {
    name: `@bench/plugin-${name}`,
    version: '1.0.0',
    type: 'module',
    peerDependencies: { '@acai/plugin-sdk': '^1.0.0' },
    acai: { entry: './index.js', sdkApi: '1', hostRange: '>=0.1.0 <1.0.0', network: { hosts: [] }, secrets: [] },
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(packageJson));
  await writeFile(join(dir, 'index.js'), source);
}

/** A server under test running in a child process (bench/chat-bench-server.ts). */
export interface BenchServer {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `bench/chat-bench-server.ts <kind>` in its own process (so the server gets a core of its own)
 * with `environment` on top of this process's, and waits for the port it announces on stderr.
 * BENCH_PROFILE_DIR writes a CPU profile of the host (open it in Chrome DevTools) to find hot spots.
 */
export async function startBenchServer(kind: 'acai' | 'baseline' | 'proxy', environment: Record<string, string>): Promise<BenchServer> {
  const profile = kind === 'acai' && process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  // --expose-gc lets a driver force a full collection (SIGUSR2) before it reads memory figures.
  const child = spawn(process.execPath, [...profile, '--expose-gc', '--import', 'tsx', join(root, 'bench/chat-bench-server.ts'), kind], {
    cwd: root,
    env: { ...process.env, ...environment },
    // stdout is the host's log (discarded, but still written, as in production); stderr announces the port.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines = createInterface({ input: child.stderr as Readable });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${kind} server exited with code ${String(code)} before listening`);
  });
  const announced = new Promise<number>((resolve) => {
    lines.on('line', (line) => {
      const port = /^\{"port":(\d+)\}$/.exec(line)?.[1];
      if (port) resolve(Number(port));
      else process.stderr.write(`[${kind}] ${line}\n`);
    });
  });
  const port = await Promise.race([announced, exited]);
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const done = once(child, 'exit');
      child.kill('SIGTERM');
      await done;
    },
  };
}

/**
 * The host environment every bench run shares: the repository's plugins, rate limits on (the Redis token
 * bucket is part of every request) but far above the offered load, the fake model as `bench-chat` and
 * `bench-title`, and info logging as in production.
 */
export function benchHostEnvironment(fake: { readonly apiKey: string; readonly baseURL: string }): Record<string, string> {
  return {
    PLUGINS_CONFIG: join(root, 'plugins.config.json'),
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '1000000',
    OPENAI_API_KEY: fake.apiKey,
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_MODEL: 'bench-chat',
    OPENAI_TITLE_MODEL: 'bench-title',
    LOG_LEVEL: 'info',
  };
}
