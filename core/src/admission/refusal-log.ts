import type { RefusalReason } from './admission-gate.js';

/** Where the aggregate refusal line goes (the host's logger). */
export interface RefusalLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The gate's state written next to the counts. */
export interface GateState {
  readonly inFlight: number;
  readonly queued: number;
  readonly limit: number;
}

/** Counts refusals and writes one line per interval. */
export interface RefusalLog {
  note(reason: RefusalReason, gate: GateState): void;
}

/**
 * Refusals logged in aggregate: under overload they come by the thousand per second, and a line each
 * (a pino child, serializers, a write) would cost more than the refusal itself. The first refusal after
 * a quiet interval is written at once, with the count of each reason since the previous line; the
 * per-reason totals are also in the `acai_admission_refusals_total` metric.
 */
export function createRefusalLog(logger: RefusalLogger, intervalMs = 1000, now: () => number = () => performance.now()): RefusalLog {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  const unlogged: Record<RefusalReason, number> = { queue_full: 0, queue_timeout: 0 };
  return {
    note(reason, gate) {
      unlogged[reason] += 1;
      const at = now();
      if (at - lastLoggedAt < intervalMs) return;
      lastLoggedAt = at;
      const refused = unlogged.queue_full + unlogged.queue_timeout;
      logger.warn(
        { reason, refused, queueFull: unlogged.queue_full, queueTimeout: unlogged.queue_timeout, inFlight: gate.inFlight, queued: gate.queued, limit: gate.limit },
        'turns refused: the host is at capacity',
      );
      unlogged.queue_full = 0;
      unlogged.queue_timeout = 0;
    },
  };
}
