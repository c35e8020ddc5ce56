import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus-text.js';
import { ALL_TOOLS, toolMetricsSnapshot, toolStatistics } from './tool-metrics.js';

// The same metric definitions the plugin host registers (core/src/plugin-host/tool-metrics.ts).
function hostLikeRegistry() {
  const registry = new Registry();
  const calls = new Counter({ name: 'acai_tool_calls_total', help: 'x', labelNames: ['plugin', 'tool', 'outcome'], registers: [registry] });
  const duration = new Histogram({
    name: 'acai_tool_call_duration_seconds',
    help: 'x',
    labelNames: ['plugin', 'tool'],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const record = (plugin: string, tool: string, outcome: string, seconds: number) => {
    calls.inc({ plugin, tool, outcome });
    duration.observe({ plugin, tool }, seconds);
  };
  const snapshot = async (takenAt: number) => toolMetricsSnapshot(parsePrometheusText(await registry.metrics()), takenAt);
  return { record, snapshot };
}

describe('toolStatistics', () => {
  it('summarises every tool since start, busiest first, with an all-tools aggregate', async () => {
    const host = hostLikeRegistry();
    for (let index = 0; index < 3; index += 1) host.record('datetime', 'get_current_time', 'ok', 0.002);
    host.record('weather', 'get_forecast', 'ok', 0.3);
    host.record('weather', 'get_forecast', 'timeout', 10);
    host.record('weather', 'get_forecast', 'timeout', 10);
    host.record('weather', 'get_forecast', 'breaker_open', 0.0001);

    const [all, first, second] = toolStatistics(await host.snapshot(1_000));
    expect(all).toMatchObject({ key: ALL_TOOLS, calls: 7, errors: 3, outcomes: { ok: 4, timeout: 2, breaker_open: 1 } });
    expect(first).toMatchObject({ key: 'weather/get_forecast', plugin: 'weather', tool: 'get_forecast', calls: 4, errors: 3 });
    expect(second).toMatchObject({ key: 'datetime/get_current_time', calls: 3, errors: 0 });
    expect(second!.p50).toBeGreaterThan(0.001);
    expect(second!.p50).toBeLessThanOrEqual(0.005);
    expect(first!.p95).toBeGreaterThan(5);
    expect(first!.p95).toBeLessThanOrEqual(10);
  });

  it('reports only what happened between two scrapes, and nothing for an idle interval', async () => {
    const host = hostLikeRegistry();
    host.record('datetime', 'get_current_time', 'ok', 0.002);
    const before = await host.snapshot(1_000);
    host.record('datetime', 'get_current_time', 'error', 0.6);
    host.record('datetime', 'get_current_time', 'error', 0.7);
    const after = await host.snapshot(6_000);
    const [all, tool] = toolStatistics(after, before);
    expect(all).toMatchObject({ calls: 2, errors: 2, outcomes: { ok: 0, error: 2 } });
    expect(tool!.p50).toBeGreaterThan(0.5);
    expect(tool!.p50).toBeLessThanOrEqual(1);
    const [idle] = toolStatistics(await host.snapshot(11_000), after);
    expect(idle).toMatchObject({ calls: 0, errors: 0 });
    expect(idle!.p50).toBeUndefined();
  });

  it('counts errors as the host counts a plugin\'s errors: invalid_input is the model\'s mistake, anything new is an error', async () => {
    const host = hostLikeRegistry();
    host.record('weather', 'get_forecast', 'ok', 0.1);
    host.record('weather', 'get_forecast', 'invalid_input', 0.001);
    host.record('weather', 'get_forecast', 'invalid_input', 0.001);
    host.record('weather', 'get_forecast', 'rate_limited', 0.001);
    host.record('weather', 'get_forecast', 'outcome_from_a_newer_host', 0.001);
    const [all] = toolStatistics(await host.snapshot(1_000));
    expect(all).toMatchObject({ calls: 5, errors: 2 });
  });

  it('starts over after a host restart instead of showing negative counts', async () => {
    const old = hostLikeRegistry();
    for (let index = 0; index < 5; index += 1) old.record('datetime', 'get_current_time', 'ok', 0.002);
    const before = await old.snapshot(1_000);
    const restarted = hostLikeRegistry();
    restarted.record('datetime', 'get_current_time', 'ok', 0.002);
    const [all] = toolStatistics(await restarted.snapshot(2_000), before);
    expect(all).toMatchObject({ calls: 1, errors: 0 });
  });

  it('shows an empty aggregate when no tool has been called, and ignores samples without the labels', () => {
    const snapshot = toolMetricsSnapshot(parsePrometheusText('acai_tool_calls_total{plugin="x"} 3\nacai_tool_call_duration_seconds_bucket{le="abc",plugin="x",tool="y"} 1\n'), 0);
    const statistics = toolStatistics(snapshot);
    expect(statistics[0]).toMatchObject({ key: ALL_TOOLS, calls: 0, errors: 0 });
    expect(statistics[0]!.p50).toBeUndefined();
    expect(snapshot.tools.size).toBe(0);
  });
});
