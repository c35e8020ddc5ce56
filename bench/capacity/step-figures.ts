// The figures bench:capacity prints for one measured step (a closed-loop round, a ladder rate, a burst),
// computed from the load generator's record and what the server and model processes reported.
import { percentile } from '../bench-support.js';
import type { ProcessReport, StallSummary } from './process-probe.mjs';
import type { TcpCounters } from './tcp-counters.js';
import type { LatencyParts, LoadResult } from './turn-load.js';

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
  /** The host's event-loop utilization over the step (0–1). */
  readonly loopUtilization: number;
  readonly gcMs: number;
  readonly gcMaxMs: number;
  readonly rssMb: number;
  /** The server's own time per request (headers read → response finished): p99 and max. */
  readonly serverP99: number;
  readonly serverMax: number;
  /** The slowest 1 % of accepted turns: mean total and where it went (see LatencyParts). */
  readonly tail: TailParts;
  /** The same for the slowest 1 % of refusals. */
  readonly refusedTail: TailParts;
  /** The model process's loop delay and GC, and the model's own time per request (p99). */
  readonly modelLoopMax: number;
  readonly modelGcMaxMs: number;
  readonly modelServerP99: number;
  /** This (load-generating) process's loop delay and GC. */
  readonly driverLoopP99: number;
  readonly driverLoopMax: number;
  readonly driverGcMaxMs: number;
  /** Connections the load generator opened in the step. */
  readonly newConnections: number;
  /** Event-loop stalls of the host, the model and the generator, and where their time went. */
  readonly stalls: { readonly server: StallSummary; readonly model: StallSummary; readonly driver?: StallSummary | undefined };
  /** The machine's TCP counters over the step (see tcp-counters.ts). */
  readonly tcp?: TcpCounters | undefined;
}

/** "n stalls, wall ms = cpu (gc) + waiting for a CPU + blocked; worst …" */
export function formatStalls(stalls: StallSummary): string {
  if (stalls.count === 0) return 'no stalls';
  const { worst } = stalls;
  return (
    `${stalls.count} stalls ${format(stalls.wallMs, 0)} ms = run ${format(stalls.cpuMs, 0)} (gc ${format(stalls.gcMs, 0)}) + wait for cpu ${format(stalls.waitMs, 0)} + blocked ${format(stalls.blockedMs, 0)}` +
    `; worst ${format(worst.wallMs, 0)} = run ${format(worst.cpuMs, 0)} (gc ${format(worst.gcMs, 0)}) + wait ${format(worst.waitMs, 0)}`
  );
}

/** The mean parts of the slowest answers; `onNewConnections`: the share of them sent on a new connection (whose `connection` parts are the mean over those). */
export type TailParts = LatencyParts & { readonly onNewConnections?: number };

/** The mean parts of the slowest `fraction` of the answers. */
export function tailParts(parts: readonly LatencyParts[], fraction = 0.01): TailParts {
  const slowest = [...parts].sort((left, right) => right.total - left.total).slice(0, Math.max(1, Math.ceil(parts.length * fraction)));
  const mean = (pick: (part: LatencyParts) => number): number => (slowest.length === 0 ? Number.NaN : slowest.reduce((sum, part) => sum + pick(part), 0) / slowest.length);
  const opened = slowest.flatMap((part) => (part.connection ? [part.connection] : []));
  const meanOf = (pick: (connection: NonNullable<LatencyParts['connection']>) => number): number => opened.reduce((sum, connection) => sum + pick(connection), 0) / opened.length;
  return {
    total: mean((part) => part.total),
    lag: mean((part) => part.lag),
    wait: mean((part) => part.wait),
    rest: mean((part) => part.rest),
    ...(opened.length > 0 ? { connection: { connect: meanOf((part) => part.connect), accept: meanOf((part) => part.accept), read: meanOf((part) => part.read) }, onNewConnections: opened.length / slowest.length } : {}),
  };
}

/** Formats a number, or `n/a` for NaN and infinities. */
export const format = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The figures of one step; CPU per turn divides by the turns that succeeded (refusals cost little). */
/** What the driver measured about itself and the machine over a step. */
export interface DriverReadings {
  readonly driver?: ProcessReport;
  readonly tcp?: TcpCounters;
}

export function stepFigures(label: string, ratePerSecond: number, load: LoadResult, server: Interval, model: Interval, { driver, tcp }: DriverReadings = {}): StepFigures {
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
    loopUtilization: server.after.loopUtilization,
    gcMs: server.after.gc.totalMs,
    gcMaxMs: server.after.gc.maxMs,
    rssMb: server.after.rssBytes / 1024 / 1024,
    serverP99: server.after.serverTime.p99,
    serverMax: server.after.serverTime.max,
    tail: tailParts(load.parts),
    refusedTail: tailParts(load.refusedParts),
    modelLoopMax: model.after.loopDelay.max,
    modelGcMaxMs: model.after.gc.maxMs,
    modelServerP99: model.after.serverTime.p99,
    driverLoopP99: driver?.loopDelay.p99 ?? Number.NaN,
    driverLoopMax: driver?.loopDelay.max ?? Number.NaN,
    driverGcMaxMs: driver?.gc.maxMs ?? Number.NaN,
    newConnections: load.newConnections,
    stalls: { server: server.after.stalls, model: model.after.stalls, driver: driver?.stalls },
    tcp,
  };
}

/** One line per step (and the first failures, if any). */
export function printStep(step: StepFigures, failures: readonly string[] = []): void {
  const refusals = step.refused > 0 ? `  refused ${step.refused} (p99 ${format(step.refusedP99, 0)} ms)` : '';
  const failed = step.failed > 0 ? `  FAILED ${step.failed}` : '';
  console.log(
    `  ${step.label.padEnd(22)} ${format(step.throughput, 0).padStart(5)}/s  p50 ${format(step.p50, 0).padStart(4)}  p99 ${format(step.p99, 0).padStart(5)}  max ${format(step.max, 0).padStart(5)} ms` +
      `  cpu/turn ${format(step.cpuPerTurnMs, 2)} ms  loop p99 ${format(step.loopDelayP99, 0)}/max ${format(step.loopDelayMax, 0)} ms util ${format(step.loopUtilization, 2)}  gc ${format(step.gcMs, 0)} ms (max ${format(step.gcMaxMs, 0)})  rss ${format(step.rssMb, 0)} MB${refusals}${failed}`,
  );
  const { tail, refusedTail } = step;
  const parts = (part: TailParts): string =>
    `${format(part.total, 0)} ms = lag ${format(part.lag, 1)} + to server ${format(part.wait, 1)} + server and back ${format(part.rest, 1)}` +
    (part.connection
      ? ` (${format((part.onNewConnections ?? 0) * 100, 0)} % on new connections: connect ${format(part.connection.connect, 1)} + until accepted ${format(part.connection.accept, 1)} + accepted → read ${format(part.connection.read, 1)})`
      : '');
  console.log(
    `    server time p99 ${format(step.serverP99, 1)}/max ${format(step.serverMax, 0)} ms; slowest 1 %: ${parts(tail)}${step.refused > 0 ? `; slowest 1 % of refusals: ${parts(refusedTail)}` : ''}` +
      `; model loop max ${format(step.modelLoopMax, 0)} gc max ${format(step.modelGcMaxMs, 0)} serve p99 ${format(step.modelServerP99, 1)} ms; generator loop p99 ${format(step.driverLoopP99, 0)}/max ${format(step.driverLoopMax, 0)} gc max ${format(step.driverGcMaxMs, 0)} ms; new connections ${step.newConnections}`,
  );
  const tcp = step.tcp && (step.tcp.listenOverflows || step.tcp.synRetransmits || step.tcp.retransmittedSegments) ? `; machine TCP: listen overflows ${step.tcp.listenOverflows}, SYN retransmits ${step.tcp.synRetransmits}, retransmitted segments ${step.tcp.retransmittedSegments}` : '';
  console.log(`    stalls: server ${formatStalls(step.stalls.server)} | model ${formatStalls(step.stalls.model)}${step.stalls.driver ? ` | generator ${formatStalls(step.stalls.driver)}` : ''}${tcp}`);
  for (const failure of failures.slice(0, 2)) console.log(`    failure: ${failure}`);
}
