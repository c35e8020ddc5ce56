// The host's own definition of an error, so this page and the plugins page count the same calls.
import { isToolCallError } from '../../src/tool-calls/tool-call-error-outcomes.js';
import { histogramQuantile, mergeBuckets, observationCount, subtractBuckets, type HistogramBucket } from './histogram-quantile.js';
import { samplesNamed, type PrometheusExposition } from './prometheus-text.js';

/** The host's tool metrics (see core/src/plugin-host/tool-metrics.ts). */
export const TOOL_CALLS_METRIC = 'acai_tool_calls_total';
export const TOOL_DURATION_METRIC = 'acai_tool_call_duration_seconds';

/** Key of the aggregate over every tool. */
export const ALL_TOOLS = '*';

/** One tool's counters in one scrape (cumulative since the host started). */
export interface ToolCounters {
  readonly plugin: string;
  readonly tool: string;
  /** Calls by outcome (`ok`, `timeout`, `error`, …). */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly latency: readonly HistogramBucket[];
}

/** One scrape's tool metrics, keyed `plugin/tool`. */
export interface ToolMetricsSnapshot {
  /** When it was taken (ms since the epoch). */
  readonly takenAt: number;
  readonly tools: ReadonlyMap<string, ToolCounters>;
}

/** What a view shows for one tool (or {@link ALL_TOOLS}) over a span of time. */
export interface ToolStatistics {
  readonly key: string;
  readonly plugin: string;
  readonly tool: string;
  readonly calls: number;
  /** Calls that count as errors (isToolCallError: any outcome but `ok` and `invalid_input`). */
  readonly errors: number;
  readonly outcomes: Readonly<Record<string, number>>;
  /** Seconds; undefined without observations. */
  readonly p50?: number;
  readonly p95?: number;
}

/** Reads the tool counters out of a parsed exposition. */
export function toolMetricsSnapshot(exposition: PrometheusExposition, takenAt: number): ToolMetricsSnapshot {
  const tools = new Map<string, { plugin: string; tool: string; outcomes: Record<string, number>; latency: HistogramBucket[] }>();
  const entry = (plugin: string, tool: string) => {
    const key = `${plugin}/${tool}`;
    let found = tools.get(key);
    if (found === undefined) {
      found = { plugin, tool, outcomes: {}, latency: [] };
      tools.set(key, found);
    }
    return found;
  };
  for (const sample of samplesNamed(exposition, TOOL_CALLS_METRIC)) {
    const { plugin, tool, outcome } = sample.labels;
    if (plugin === undefined || tool === undefined || outcome === undefined || !Number.isFinite(sample.value)) continue;
    const counters = entry(plugin, tool);
    counters.outcomes[outcome] = (counters.outcomes[outcome] ?? 0) + sample.value;
  }
  for (const sample of samplesNamed(exposition, `${TOOL_DURATION_METRIC}_bucket`)) {
    const { plugin, tool, le } = sample.labels;
    if (plugin === undefined || tool === undefined || le === undefined) continue;
    const upperBound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    if (Number.isNaN(upperBound) || Number.isNaN(sample.value)) continue;
    entry(plugin, tool).latency.push({ upperBound, count: sample.value });
  }
  return { takenAt, tools };
}

/**
 * Per-tool statistics between two snapshots (or since the host started when `previous` is undefined),
 * plus the {@link ALL_TOOLS} aggregate first. Tools are sorted by calls, busiest first.
 */
export function toolStatistics(current: ToolMetricsSnapshot, previous?: ToolMetricsSnapshot): ToolStatistics[] {
  const perTool: ToolStatistics[] = [];
  const latencies: HistogramBucket[][] = [];
  const allOutcomes: Record<string, number> = {};
  for (const [key, counters] of current.tools) {
    const before = previous?.tools.get(key);
    const latency = subtractBuckets(counters.latency, before?.latency);
    const outcomes = subtractOutcomes(counters.outcomes, before?.outcomes);
    for (const [outcome, count] of Object.entries(outcomes)) allOutcomes[outcome] = (allOutcomes[outcome] ?? 0) + count;
    latencies.push(latency);
    perTool.push(statistics(key, counters.plugin, counters.tool, outcomes, latency));
  }
  perTool.sort((left, right) => right.calls - left.calls || left.key.localeCompare(right.key));
  return [statistics(ALL_TOOLS, '', 'All tools', allOutcomes, mergeBuckets(latencies)), ...perTool];
}

function statistics(key: string, plugin: string, tool: string, outcomes: Record<string, number>, latency: readonly HistogramBucket[]): ToolStatistics {
  const calls = Object.values(outcomes).reduce((sum, count) => sum + count, 0);
  const errors = Object.entries(outcomes).reduce((sum, [outcome, count]) => (isToolCallError(outcome) ? sum + count : sum), 0);
  const hasObservations = observationCount(latency) > 0;
  const p50 = hasObservations ? histogramQuantile(0.5, latency) : undefined;
  const p95 = hasObservations ? histogramQuantile(0.95, latency) : undefined;
  return { key, plugin, tool, calls, errors, outcomes, ...(p50 === undefined ? {} : { p50 }), ...(p95 === undefined ? {} : { p95 }) };
}

// A counter that went down was reset (host restart): what it counts now all happened since.
function subtractOutcomes(current: Readonly<Record<string, number>>, previous: Readonly<Record<string, number>> | undefined): Record<string, number> {
  if (previous === undefined) return { ...current };
  const isReset = Object.entries(current).some(([outcome, count]) => count < (previous[outcome] ?? 0));
  const result: Record<string, number> = {};
  for (const [outcome, count] of Object.entries(current)) result[outcome] = isReset ? count : count - (previous[outcome] ?? 0);
  return result;
}
