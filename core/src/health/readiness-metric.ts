import { Gauge, type Registry } from 'prom-client';
import { runHealthChecks, type HealthCheck, type ReadinessStatus } from './health-check.js';

const STATUSES: readonly ReadinessStatus[] = ['ready', 'degraded', 'not_ready'];

/** Options for {@link registerReadinessMetric}. */
export interface ReadinessMetricOptions {
  readonly checks: readonly HealthCheck[];
  readonly timeoutMs: number;
  /** Reported as not_ready while true, as /readyz does. */
  readonly isShuttingDown?: () => boolean;
}

/**
 * `acai_readiness_status{status}`: 1 for the status /readyz would answer now, 0 for the others. The checks
 * run when Prometheus scrapes (not when something probes /readyz), so the alert rules see every replica's
 * readiness even where nothing polls the probe (compose health-checks /healthz). Registers once per
 * registry: a later call on the same registry keeps the first one's checks.
 */
export function registerReadinessMetric(registry: Registry, options: ReadinessMetricOptions): void {
  if (registry.getSingleMetric('acai_readiness_status')) return;
  new Gauge({
    name: 'acai_readiness_status',
    help: 'Readiness as /readyz reports it: 1 for the current status (ready, degraded, not_ready), 0 for the others; evaluated at scrape time.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const status = options.isShuttingDown?.() ? 'not_ready' : (await runHealthChecks(options.checks, options.timeoutMs)).status;
      for (const candidate of STATUSES) this.set({ status: candidate }, candidate === status ? 1 : 0);
    },
  });
}
