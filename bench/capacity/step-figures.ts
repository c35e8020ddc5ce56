// The figures bench:capacity prints for one measured step (a closed-loop round, a ladder rate, a burst),
// computed from the load generator's record and what the server and model processes reported.
import { percentile } from '../bench-support.js';
import type { ProcessReport } from './process-probe.mjs';
import type { LoadResult } from './turn-load.js';

/** What one measured interval cost a process. */
export interface Interval {
  readonly cpuMs: number;
  readonly after: ProcessReport;
}

/** One step, as printed and saved. Times in ms. */
export interface StepFigures {
  readonly label: string;
  readonly ratePerSecond: number;
  readonly throughput: number;
  readonly ok: number;
  readonly refused: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly refusedP99: number;
  readonly cpuPerTurnMs: number;
  readonly modelCpuPerTurnMs: number;
  readonly loopDelayP99: number;
  readonly loopDelayMax: number;
  readonly gcMs: number;
  readonly gcMaxMs: number;
  readonly rssMb: number;
}

/** Formats a number, or `n/a` for NaN and infinities. */
export const format = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The figures of one step; CPU per turn divides by the turns that succeeded (refusals cost little). */
export function stepFigures(label: string, ratePerSecond: number, load: LoadResult, server: Interval, model: Interval): StepFigures {
  const answered = load.ok.length + load.refused.length;
  return {
    label,
    ratePerSecond,
    throughput: (load.ok.length / load.elapsedMs) * 1000,
    ok: load.ok.length,
    refused: load.refused.length,
    failed: load.failed.length,
    p50: percentile(load.ok, 0.5),
    p99: percentile(load.ok, 0.99),
    max: load.ok.length > 0 ? Math.max(...load.ok) : Number.NaN,
    refusedP99: percentile(load.refused, 0.99),
    cpuPerTurnMs: server.cpuMs / (load.ok.length || answered || 1),
    modelCpuPerTurnMs: model.cpuMs / (load.ok.length || 1),
    loopDelayP99: server.after.loopDelay.p99,
    loopDelayMax: server.after.loopDelay.max,
    gcMs: server.after.gc.totalMs,
    gcMaxMs: server.after.gc.maxMs,
    rssMb: server.after.rssBytes / 1024 / 1024,
  };
}

/** One line per step (and the first failures, if any). */
export function printStep(step: StepFigures, failures: readonly string[] = []): void {
  const refusals = step.refused > 0 ? `  refused ${step.refused} (p99 ${format(step.refusedP99, 0)} ms)` : '';
  const failed = step.failed > 0 ? `  FAILED ${step.failed}` : '';
  console.log(
    `  ${step.label.padEnd(22)} ${format(step.throughput, 0).padStart(5)}/s  p50 ${format(step.p50, 0).padStart(4)}  p99 ${format(step.p99, 0).padStart(5)}  max ${format(step.max, 0).padStart(5)} ms` +
      `  cpu/turn ${format(step.cpuPerTurnMs, 2)} ms  loop p99 ${format(step.loopDelayP99, 0)}/max ${format(step.loopDelayMax, 0)} ms  gc ${format(step.gcMs, 0)} ms (max ${format(step.gcMaxMs, 0)})  rss ${format(step.rssMb, 0)} MB${refusals}${failed}`,
  );
  for (const failure of failures.slice(0, 2)) console.log(`    failure: ${failure}`);
}
