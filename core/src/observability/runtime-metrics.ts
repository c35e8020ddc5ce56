import { constants, monitorEventLoopDelay, PerformanceObserver, type EntryType, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';
import { cacheStatistics } from '../cache/index.js';

// Why our own: prom-client's nodejs_eventloop_lag_* report the raw interval of their 10 ms sampling
// timer, so an idle process shows a 10 ms "lag", and its window is whatever time passed since the last
// scrape of anyone (the web console scrapes too). These report the delay itself (the sampling interval
// subtracted) over windows of at least WINDOW_MS, GC pauses as a running total and the longest pause,
// and every in-process cache's size (cache-directory.ts).

const RESOLUTION_MS = 10;
/** A scrape closes the current window only after this long, so frequent scrapers do not shrink it to nothing. */
const WINDOW_MS = 5_000;


/** One reading of a delay window: p50, p99 and max in seconds, the sampling interval subtracted. */
export function loopDelaySeconds(histogram: Pick<IntervalHistogram, 'percentile' | 'max' | 'count'>): { p50: number; p99: number; max: number } {
  if (histogram.count === 0) return { p50: 0, p99: 0, max: 0 };
  const seconds = (nanos: number): number => Math.max(0, nanos / 1e6 - RESOLUTION_MS) / 1000;
  return { p50: seconds(histogram.percentile(50)), p99: seconds(histogram.percentile(99)), max: seconds(histogram.max) };
}

/**
 * Registers acai_event_loop_delay_{p50,p99,max}_seconds, acai_gc_pause_seconds_total,
 * acai_gc_pauses_total{kind}, acai_gc_pause_max_seconds and acai_cache_{bytes,max_bytes,entries}
 * / acai_cache_evictions_total{cache} on `registry`.
 */
export function registerRuntimeMetrics(registry: Registry, now: () => number = () => performance.now()): void {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let window = { p50: 0, p99: 0, max: 0 };
  let windowStartedAt = now();
  const readWindow = (): { p50: number; p99: number; max: number } => {
    if (now() - windowStartedAt >= WINDOW_MS) {
      window = loopDelaySeconds(histogram);
      histogram.reset();
      windowStartedAt = now();
    }
    return window;
  };
  const registers = [registry];
  new Gauge({
    name: 'acai_event_loop_delay_p50_seconds',
    help: 'Median event-loop delay over the last window (at least 5 s; sampling interval subtracted).',
    registers,
    collect() {
      this.set(readWindow().p50);
    },
  });
  new Gauge({
    name: 'acai_event_loop_delay_p99_seconds',
    help: '99th percentile of the event-loop delay over the last window (at least 5 s).',
    registers,
    collect() {
      this.set(readWindow().p99);
    },
  });
  new Gauge({
    name: 'acai_event_loop_delay_max_seconds',
    help: 'Longest event-loop delay over the last window (at least 5 s).',
    registers,
    collect() {
      this.set(readWindow().max);
    },
  });

  const pauseSeconds = new Counter({ name: 'acai_gc_pause_seconds_total', help: 'Time the process spent paused in garbage collection.', registers });
  const pauses = new Counter({ name: 'acai_gc_pauses_total', help: 'Garbage-collection pauses by kind (minor, major, incremental, weakcb).', labelNames: ['kind'] as const, registers });
  let longestPause = 0;
  new Gauge({
    name: 'acai_gc_pause_max_seconds',
    help: 'Longest garbage-collection pause since the previous scrape.',
    registers,
    collect() {
      this.set(longestPause);
      longestPause = 0;
    },
  });
  const gcKinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  // Like prom-client's default metrics, the monitor and the observer live as long as the process.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const seconds = entry.duration / 1000;
      pauseSeconds.inc(seconds);
      pauses.inc({ kind: gcKinds[gcKindOf(entry)] ?? 'other' });
      if (seconds > longestPause) longestPause = seconds;
    }
  }).observe({ entryTypes: ['gc' as EntryType] });

  registerCacheMetrics(registry);
}

/** The GC kind of a `gc` performance entry (`detail.kind` since Node 16). */
function gcKindOf(entry: object): number {
  const detail = (entry as { detail?: { kind?: unknown } }).detail;
  return typeof detail?.kind === 'number' ? detail.kind : 0;
}

function registerCacheMetrics(registry: Registry): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (statistics: ReturnType<typeof cacheStatistics>[number]) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['cache'] as const,
      registers,
      collect() {
        this.reset();
        for (const statistics of cacheStatistics()) this.set({ cache: statistics.name }, read(statistics));
      },
    });
  };
  gauge('acai_cache_bytes', 'Estimated bytes an in-process cache holds.', (statistics) => statistics.bytes);
  gauge('acai_cache_max_bytes', 'The byte bound of an in-process cache.', (statistics) => statistics.maxBytes);
  gauge('acai_cache_entries', 'Entries an in-process cache holds.', (statistics) => statistics.entries);
  const reported = new Map<string, number>();
  new Counter({
    name: 'acai_cache_evictions_total',
    help: 'Entries an in-process cache dropped to stay within its bounds.',
    labelNames: ['cache'] as const,
    registers,
    collect() {
      for (const statistics of cacheStatistics()) {
        const increase = statistics.evictions - (reported.get(statistics.name) ?? 0);
        if (increase > 0) this.inc({ cache: statistics.name }, increase);
        reported.set(statistics.name, Math.max(statistics.evictions, reported.get(statistics.name) ?? 0));
      }
    },
  });
}
