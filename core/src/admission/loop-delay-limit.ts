import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AdmissionGate } from './admission-gate.js';

// Why adapt: the right number of turns in progress depends on where a turn spends its time. With a fast
// model a turn is mostly host CPU, and beyond a few dozen at once they only queue in the event loop
// (every turn slows down, the loop delay climbs); with a model that takes seconds a turn mostly waits,
// and hundreds at once cost the host little. The event loop's delay tells the two apart, so the limit
// follows it: shrink quickly while the loop lags behind the target, grow while the limit is what holds
// turns back and the loop keeps up — between a floor and the configured maximum.

/** Bounds and target of the adaptive limit. */
export interface LoopDelayLimitSettings {
  readonly minLimit: number;
  readonly maxLimit: number;
  /** Event-loop delay (max over one interval) above which the limit shrinks. */
  readonly targetDelayMs: number;
}

/** What one control interval observed. */
export interface LimitObservation {
  /** The largest event-loop delay seen in the interval. */
  readonly delayMs: number;
  /** The most turns in progress at once in the interval. */
  readonly peakInFlight: number;
}

/** The limit for the next interval: ×0.75 while the loop lags, ×1.25 (at least +1) while the limit binds and the loop keeps up. */
export function nextLimit(current: number, observation: LimitObservation, settings: LoopDelayLimitSettings): number {
  if (observation.delayMs > settings.targetDelayMs) return Math.max(settings.minLimit, Math.floor(current * 0.75));
  if (observation.peakInFlight >= current) return Math.min(settings.maxLimit, Math.max(current + 1, Math.ceil(current * 1.25)));
  return Math.min(settings.maxLimit, Math.max(settings.minLimit, current));
}

/** A running controller. */
export interface LoopDelayLimit {
  stop(): void;
}

/** Adjusts `gate`'s limit every `intervalMs` from the event-loop delay measured in that interval. */
export function startLoopDelayLimit(gate: AdmissionGate, settings: LoopDelayLimitSettings, intervalMs = 250): LoopDelayLimit {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const timer = setInterval(() => {
    const delayMs = Number.isFinite(delay.max) ? delay.max / 1e6 : 0;
    delay.reset();
    gate.setLimit(nextLimit(gate.limit, { delayMs, peakInFlight: gate.takePeakInFlight() }, settings));
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      delay.disable();
    },
  };
}
