import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { AdmissionGate } from './admission-gate.js';

// Why adapt: the right number of turns in progress depends on where a turn spends its time. With a fast
// model a turn is mostly host CPU, and beyond a few dozen at once they only queue in the event loop
// (every turn slows down, the loop delay climbs); with a model that takes seconds a turn mostly waits,
// and hundreds at once cost the host little. The event loop's delay tells the two apart, so the limit
// follows it: shrink quickly while the loop lags behind the target, grow while the limit is what holds
// turns back and the loop keeps up — between a floor and the configured maximum.
// A late loop alone is not enough to shrink: on a shared machine the process also runs late when other
// processes hold the CPUs, while it has little to do itself (bench:capacity measured stalls of 100–400 ms
// that were mostly waiting for a CPU, at 10–70 % of capacity, and the limit shed turns there). Fewer turns
// would not help then, so the limit shrinks only when the loop was also busy — its utilization (time not
// idle waiting for I/O) at least BUSY_UTILIZATION over the interval: the delay is our own work — and only
// when that lasted SUSTAINED_INTERVALS intervals in a row: a single GC pause or a burst of another process
// (100–400 ms there, and utilization counts a loop preempted mid-task as busy) is over before fewer turns
// could help, while overload lasts; the queue bound and budget refuse what arrives in the meantime.
// Growing needs the opposite: headroom. More turns in progress raise throughput only while turns wait
// (the loop idles between their I/O); once the loop is busy they add no throughput, only length to every
// loop iteration — and every request, a refusal included, waits for the iteration in progress before it
// is even read (bench:capacity at 2×: the limit climbed while the loop's delay stayed under the target, and
// refusals on open connections waited 228 ms at p99). So the limit grows only while the loop was busy less
// than BUSY_UTILIZATION of the interval, and, like shrinking, only after SUSTAINED_INTERVALS such intervals
// in a row: a burst that meets an idle loop (a closed-loop client starting its next round, 50 turns at once
// after a pause) binds the limit in an interval that was mostly idle before it. Growing on that one interval
// would raise the limit by a quarter at every such start, and with a fast model a higher limit only costs
// (register-admission.ts: the start is the limit that is cheapest at capacity).

/** Bounds and target of the adaptive limit. */
export interface LoopDelayLimitSettings {
  readonly minLimit: number;
  readonly maxLimit: number;
  /** Event-loop delay (max over one interval) above which the limit shrinks. */
  readonly targetDelayMs: number;
}

// While the gate sheds (a tenth or more of the turns in an interval refused), the host is past what it
// can serve, and only the turns in progress make each loop iteration long, which every refusal waits
// for before it is even read. Then the limit aims at the tighter SHEDDING_TARGET_DELAY_MS: it stops
// growing and shrinks towards the floor sooner. Below overload (no refusals, or a few after a stall) the
// configured target stands, so a busy but coping host keeps its turns in progress (bench:capacity: a
// 20 ms target at all times refused 156 turns in 10 s at 70 % of capacity; at 2× capacity it cut the
// refusals' p99 from 153 to 35 ms).

/** Share of an interval's turns refused from which the gate counts as shedding. */
export const SHEDDING_SHARE = 0.1;
/** The loop-delay target while shedding (the configured one when that is lower). */
export const SHEDDING_TARGET_DELAY_MS = 20;

/** Loop utilization from which a late loop counts as busy with our own work. */
export const BUSY_UTILIZATION = 0.9;
/** Consecutive late and busy intervals before the limit shrinks. */
export const SUSTAINED_INTERVALS = 2;

/** What one control interval observed. */
export interface LimitObservation {
  /** The largest event-loop delay seen in the interval. */
  readonly delayMs: number;
  /** The event loop's utilization over the interval (0–1, performance.eventLoopUtilization). */
  readonly utilization: number;
  /** The most turns in progress at once in the interval. */
  readonly peakInFlight: number;
  /** Late and busy intervals in a row before this one (see {@link isLateAndBusy}). */
  readonly lateBefore: number;
  /** Intervals in a row before this one in which more room would have been used (see {@link wantsMoreRoom}). */
  readonly roomyBefore: number;
  /** Share of the interval's turns the gate refused (0–1). */
  readonly refusedShare: number;
}

/** Whether the gate shed in this interval: a tenth or more of its turns refused. */
export function isShedding(observation: Pick<LimitObservation, 'refusedShare'>): boolean {
  return observation.refusedShare >= SHEDDING_SHARE;
}

/** The delay the limit aims below in this interval: the tighter shedding target while the gate sheds. */
export function targetDelayMs(observation: Pick<LimitObservation, 'refusedShare'>, settings: LoopDelayLimitSettings): number {
  return isShedding(observation) ? Math.min(settings.targetDelayMs, SHEDDING_TARGET_DELAY_MS) : settings.targetDelayMs;
}

/**
 * Whether the interval's loop was later than the target while busy with its own work. While shedding
 * any late loop counts: turns are being refused anyway, so fewer in progress costs no throughput the
 * host could have had, and shortens the iteration every refusal waits for (at 2× capacity on the
 * shared machine the loop's utilization was 0.75: a quarter of the time it sat in epoll, waiting for a CPU
 * or for the load generator on the same two cores).
 */
export function isLateAndBusy(observation: Pick<LimitObservation, 'delayMs' | 'utilization' | 'refusedShare'>, settings: LoopDelayLimitSettings): boolean {
  return observation.delayMs > targetDelayMs(observation, settings) && (isShedding(observation) || observation.utilization >= BUSY_UTILIZATION);
}

/**
 * Whether the interval asked for more room: the limit bound (turns in progress reached it) while the loop
 * kept up with the target and had headroom (utilization below BUSY_UTILIZATION).
 */
export function wantsMoreRoom(current: number, observation: Omit<LimitObservation, 'lateBefore' | 'roomyBefore'>, settings: LoopDelayLimitSettings): boolean {
  return observation.delayMs <= targetDelayMs(observation, settings) && observation.utilization < BUSY_UTILIZATION && observation.peakInFlight >= current;
}

/**
 * The limit for the next interval (against {@link targetDelayMs}): ×0.75 while the loop has lagged and been busy for
 * SUSTAINED_INTERVALS intervals, ×1.25 (at least +1) once the limit has bound while the loop kept up with
 * headroom (utilization below BUSY_UTILIZATION) for as many; unchanged otherwise (a single late or roomy
 * interval, a late loop that mostly waited for a CPU, or a busy loop that keeps up).
 */
export function nextLimit(current: number, observation: LimitObservation, settings: LoopDelayLimitSettings): number {
  if (isLateAndBusy(observation, settings) && observation.lateBefore + 1 >= SUSTAINED_INTERVALS) return Math.max(settings.minLimit, Math.floor(current * 0.75));
  if (wantsMoreRoom(current, observation, settings) && observation.roomyBefore + 1 >= SUSTAINED_INTERVALS) {
    return Math.min(settings.maxLimit, Math.max(current + 1, Math.ceil(current * 1.25)));
  }
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
  let lastUtilization = performance.eventLoopUtilization();
  let lateBefore = 0;
  let roomyBefore = 0;
  const timer = setInterval(() => {
    const delayMs = Number.isFinite(delay.max) ? delay.max / 1e6 : 0;
    delay.reset();
    const utilization = performance.eventLoopUtilization(lastUtilization).utilization;
    lastUtilization = performance.eventLoopUtilization();
    const observation = { delayMs, utilization, lateBefore, roomyBefore, peakInFlight: gate.takePeakInFlight(), refusedShare: gate.takeRefusedShare() };
    const current = gate.limit;
    gate.setLimit(nextLimit(current, observation, settings));
    gate.setShedding(isShedding(observation));
    lateBefore = isLateAndBusy(observation, settings) ? lateBefore + 1 : 0;
    roomyBefore = wantsMoreRoom(current, observation, settings) ? roomyBefore + 1 : 0;
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      delay.disable();
    },
  };
}
