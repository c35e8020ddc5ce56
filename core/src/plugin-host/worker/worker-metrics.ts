import { Counter, type Registry } from 'prom-client';
import type { WorkerRuntimeEvent } from './worker-plugin-runtime.js';

/** Prometheus counters of worker-plugin crashes and restarts (labels: plugin and a fixed reason word). */
export interface WorkerMetrics {
  /** Feed it every worker lifecycle event (a `createPluginRuntimeFactory({ onWorkerEvent })` listener). */
  readonly record: (plugin: string, event: WorkerRuntimeEvent) => void;
}

/** Registers (or reuses, so a second host in one registry never registers twice) the worker counters. */
export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const crashes =
    (registry.getSingleMetric('acai_plugin_worker_crashes_total') as Counter<'plugin' | 'reason'> | undefined) ??
    new Counter({
      name: 'acai_plugin_worker_crashes_total',
      help: 'Worker-mode plugin workers that stopped without being asked to, by plugin and reason (out-of-memory, hard-deadline, uncaught-exception, exited).',
      labelNames: ['plugin', 'reason'],
      registers: [registry],
    });
  const restarts =
    (registry.getSingleMetric('acai_plugin_worker_restarts_total') as Counter<'plugin'> | undefined) ??
    new Counter({ name: 'acai_plugin_worker_restarts_total', help: 'Successful restarts of crashed worker-mode plugin workers.', labelNames: ['plugin'], registers: [registry] });
  return {
    record(plugin, event) {
      if (event.type === 'crash') crashes.labels(plugin, event.reason).inc();
      else if (event.type === 'restarted') restarts.labels(plugin).inc();
    },
  };
}
