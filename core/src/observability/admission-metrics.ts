import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The state of an admission gate, read at scrape time. */
export interface AdmissionState {
  readonly inFlight: number;
  readonly queued: number;
  readonly limit: number;
}

/** The gate's events, to be passed as its observer. */
export interface AdmissionEvents {
  admitted(queuedMs: number): void;
  refused(reason: string): void;
}

/**
 * Registers acai_admission_{in_flight,queued,limit} (read from `state` at scrape time),
 * acai_admission_refusals_total{reason} and acai_admission_queue_wait_seconds, and returns the
 * observer that feeds the last two.
 */
export function registerAdmissionMetrics(registry: Registry, state: () => AdmissionState | undefined): AdmissionEvents {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (current: AdmissionState) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const current = state();
        if (current !== undefined) this.set(read(current));
      },
    });
  };
  gauge('acai_admission_in_flight', 'Chat turns in progress on this replica.', (current) => current.inFlight);
  gauge('acai_admission_queued', 'Chat turns waiting for room on this replica.', (current) => current.queued);
  gauge('acai_admission_limit', 'The current bound on chat turns in progress (adapted to the event-loop delay).', (current) => current.limit);
  const refusals = new Counter({
    name: 'acai_admission_refusals_total',
    help: 'Chat turns refused with unavailable because the replica was at capacity, by reason (queue_full, queue_timeout).',
    labelNames: ['reason'] as const,
    registers,
  });
  const queueWait = new Histogram({
    name: 'acai_admission_queue_wait_seconds',
    help: 'Time admitted chat turns waited for room.',
    buckets: [0, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  return {
    admitted: (queuedMs) => queueWait.observe(queuedMs / 1000),
    refused: (reason) => refusals.inc({ reason }),
  };
}
