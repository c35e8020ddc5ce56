// What the benchmark scripts share: sample statistics, the sequential per-call timer, and the
// generated no-op plugin package they load through the real host.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
