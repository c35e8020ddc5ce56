import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { modelConfiguredCheck, pingCheck, type HealthCheck } from './health-check.js';
import { registerReadinessMetric } from './readiness-metric.js';

const store = (ping: () => Promise<unknown>) => pingCheck('store', ping, { critical: true });

/** The exported series of acai_readiness_status, as `status → value`. */
async function scrape(checks: HealthCheck[], isShuttingDown?: () => boolean): Promise<Record<string, number>> {
  const registry = new Registry();
  registerReadinessMetric(registry, { checks, timeoutMs: 1000, isShuttingDown });
  const text = await registry.metrics();
  return Object.fromEntries([...text.matchAll(/^acai_readiness_status\{status="([a-z_]+)"\} (\d+)$/gm)].map(([, status, value]) => [status!, Number(value)]));
}

describe('acai_readiness_status', () => {
  it('is 1 for ready and 0 for the other statuses when every check passes', async () => {
    expect(await scrape([store(async () => {}), modelConfiguredCheck(true)])).toEqual({ ready: 1, degraded: 0, not_ready: 0 });
  });

  it('follows the checks at each scrape: degraded, then not ready when a critical check fails', async () => {
    expect(await scrape([store(async () => {}), modelConfiguredCheck(false)])).toEqual({ ready: 0, degraded: 1, not_ready: 0 });
    expect(await scrape([store(() => Promise.reject(new Error('no primary')))])).toEqual({ ready: 0, degraded: 0, not_ready: 1 });
  });

  it('re-runs the checks on every scrape instead of keeping the first answer', async () => {
    let up = true;
    const registry = new Registry();
    registerReadinessMetric(registry, { checks: [store(async () => (up ? undefined : Promise.reject(new Error('down'))))], timeoutMs: 1000 });
    expect(await registry.metrics()).toMatch(/^acai_readiness_status\{status="ready"\} 1$/m);
    up = false;
    expect(await registry.metrics()).toMatch(/^acai_readiness_status\{status="not_ready"\} 1$/m);
  });

  it('reports not ready while the host shuts down, without running the checks', async () => {
    let ran = false;
    const counting: HealthCheck = { name: 'store', critical: true, check: async () => void (ran = true) };
    expect(await scrape([counting], () => true)).toEqual({ ready: 0, degraded: 0, not_ready: 1 });
    expect(ran).toBe(false);
  });

  it('registers once per registry', () => {
    const registry = new Registry();
    registerReadinessMetric(registry, { checks: [], timeoutMs: 1000 });
    expect(() => registerReadinessMetric(registry, { checks: [], timeoutMs: 1000 })).not.toThrow();
    expect(registry.getMetricsAsArray().filter((metric) => metric.name === 'acai_readiness_status')).toHaveLength(1);
  });
});
