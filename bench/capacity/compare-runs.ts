// Prints the before/after table of two bench:capacity runs saved with BENCH_JSON (markdown, for the README).
//   npx tsx bench/capacity/compare-runs.ts before.json after.json
import { readFileSync } from 'node:fs';
import { median } from '../bench-support.js';
import { format, type StepFigures } from './step-figures.js';

interface SavedRun {
  readonly loadAverageAtStart?: string;
  readonly loadAverageAtEnd?: string;
  readonly capacity: { host: number; bare: number; cpuPerTurnMs: number; bareCpuPerTurnMs: number };
  readonly ladder?: StepFigures[];
  readonly overload?: { burst: StepFigures; recoveryMs: number };
  readonly memory?: { maxRssMb: number; endRssMb: number; startRssMb: number; step: StepFigures };
  readonly redisLoss?: { phases: Array<{ name: string; p99: number; refused: number; failed: number }> };
  readonly settings: { ladder: number[] };
}

const [beforeFile, afterFile] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  process.stderr.write('usage: compare-runs.ts <before.json> <after.json>\n');
  process.exit(2);
}
const runs = [beforeFile, afterFile].map((file) => JSON.parse(readFileSync(file, 'utf8')) as SavedRun);
const [before, after] = runs as [SavedRun, SavedRun];

const row = (label: string, read: (run: SavedRun) => string): string => `| ${label} | ${read(before)} | ${read(after)} |`;
const ms = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? 'n/a' : `${format(value, 0)} ms`);
const ladderAt = (run: SavedRun, fraction: number, read: (step: StepFigures) => number): number => {
  const capacity = run.capacity.host;
  const steps = (run.ladder ?? []).filter((step) => Math.abs(step.ratePerSecond - fraction * capacity) < 1e-6);
  return steps.length === 0 ? Number.NaN : median(steps.map(read));
};

const lines = [
  '| | before | after |',
  '|---|---|---|',
  row('capacity (closed loop, turns/s)', (run) => `${format(run.capacity.host, 0)} (bare route ${format(run.capacity.bare, 0)}, ratio ${format(run.capacity.host / run.capacity.bare, 2)})`),
  row('host CPU per turn', (run) => `${format(run.capacity.cpuPerTurnMs, 2)} ms (bare route ${format(run.capacity.bareCpuPerTurnMs, 2)} ms, ${format(run.capacity.cpuPerTurnMs / run.capacity.bareCpuPerTurnMs, 1)}×)`),
  ...after.settings.ladder.map((fraction) =>
    row(`open loop at ${fraction * 100}%: p50 / p99 / max (median of rounds)`, (run) => `${ms(ladderAt(run, fraction, (step) => step.p50))} / ${ms(ladderAt(run, fraction, (step) => step.p99))} / ${ms(ladderAt(run, fraction, (step) => step.max))}`),
  ),
  row('event-loop delay p99 at 70%', (run) => ms(ladderAt(run, 0.7, (step) => step.loopDelayP99))),
  row('2× overload: accepted p99, refused (p99), recovery', (run) =>
    run.overload ? `${ms(run.overload.burst.p99)}, ${run.overload.burst.refused} (${ms(run.overload.burst.refusedP99)}), ${format(run.overload.recoveryMs / 1000, 1)} s` : 'n/a'),
  row('memory run: RSS start → max → end (after GC)', (run) => (run.memory ? `${format(run.memory.startRssMb, 0)} → ${format(run.memory.maxRssMb, 0)} → ${format(run.memory.endRssMb, 0)} MB` : 'n/a')),
  row('Redis loss at 50%: p99 with / down / back', (run) => (run.redisLoss ? run.redisLoss.phases.map((phase) => ms(phase.p99)).join(' / ') : 'n/a')),
  row('load average (start → end)', (run) => `${run.loadAverageAtStart ?? '?'} → ${run.loadAverageAtEnd ?? '?'}`),
];
console.log(lines.join('\n'));
