import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { ByteBoundedLru } from '../cache/index.js';
import { loopDelaySeconds, registerRuntimeMetrics } from './runtime-metrics.js';

/** A real full GC on demand (the test process runs without --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function valueOf(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('loopDelaySeconds', () => {
  it('subtracts the 10 ms sampling interval and never goes below zero', () => {
    const histogram = { count: 3, max: 42e6, percentile: (p: number) => (p === 50 ? 10.5e6 : 30e6) };
    expect(loopDelaySeconds(histogram)).toEqual({ p50: 0.0005, p99: 0.02, max: 0.032 });
    expect(loopDelaySeconds({ count: 2, max: 9e6, percentile: () => 9e6 })).toEqual({ p50: 0, p99: 0, max: 0 });
  });

  it('reads an empty window as no delay', () => {
    expect(loopDelaySeconds({ count: 0, max: 0, percentile: () => Number.NaN })).toEqual({ p50: 0, p99: 0, max: 0 });
  });
});

describe('registerRuntimeMetrics', () => {
  it('exports event-loop delay, GC pauses and cache sizes, and passes promtool', async () => {
    const registry = new Registry();
    let clock = 0;
    registerRuntimeMetrics(registry, () => clock);
    const cache = new ByteBoundedLru<string>({ name: 'runtime_metrics_test', maxBytes: 1_000, valueBytes: (value) => value.length * 2 });
    for (let index = 0; index < 20; index += 1) cache.set(`key-${index}`, 'v'.repeat(40));
    collectGarbage();
    // A GC entry reaches observers on a later turn of the event loop.
    await vi.waitFor(async () => expect(valueOf(await registry.metrics(), 'acai_gc_pause_seconds_total')).toBeGreaterThan(0));
    clock = 10_000;

    const exposition = await registry.metrics();
    for (const name of ['acai_event_loop_delay_p50_seconds', 'acai_event_loop_delay_p99_seconds', 'acai_event_loop_delay_max_seconds', 'acai_gc_pause_max_seconds']) {
      expect(valueOf(exposition, name), name).toBeGreaterThanOrEqual(0);
    }
    expect(valueOf(exposition, 'acai_gc_pause_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(exposition, 'acai_gc_pauses_total{kind="major"}')).toBeGreaterThanOrEqual(1);
    expect(valueOf(exposition, 'acai_cache_bytes{cache="runtime_metrics_test"}')).toBe(cache.bytes);
    expect(valueOf(exposition, 'acai_cache_max_bytes{cache="runtime_metrics_test"}')).toBe(1_000);
    expect(valueOf(exposition, 'acai_cache_entries{cache="runtime_metrics_test"}')).toBe(cache.entries);
    expect(valueOf(exposition, 'acai_cache_evictions_total{cache="runtime_metrics_test"}')).toBe(cache.evictions);
    expect(cache.evictions).toBeGreaterThan(0);

    const check = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
    if (check.error === undefined) expect(`${check.stdout}${check.stderr}`).toBe('');
  });
});
