import type { EnvReader } from './env-reader.js';

/** Admission control of chat turns per replica (core/src/admission; defaults from bench:capacity). */
export interface AdmissionSettings {
  /** Turns in progress at once, at most (0 turns admission control off). */
  readonly maxInFlight: number;
  /** Turns waiting for room; one more is refused at once. */
  readonly maxQueued: number;
  /** Longest wait for room before a turn is refused. */
  readonly queueTimeoutMs: number;
  /** Event-loop delay the adaptive limit aims below (0 = a fixed limit of maxInFlight). */
  readonly targetLoopDelayMs: number;
  /** The lowest the adaptive limit goes (capped by maxInFlight). */
  readonly minInFlight: number;
}

/** ADMISSION_MAX_IN_FLIGHT, ADMISSION_MIN_IN_FLIGHT, ADMISSION_MAX_QUEUED, ADMISSION_QUEUE_TIMEOUT_MS, ADMISSION_TARGET_LOOP_DELAY_MS. */
export function readAdmissionSettings(read: EnvReader): AdmissionSettings {
  return {
    maxInFlight: read.integer('ADMISSION_MAX_IN_FLIGHT', 256, 0, 100_000),
    maxQueued: read.integer('ADMISSION_MAX_QUEUED', 256, 0, 100_000),
    queueTimeoutMs: read.integer('ADMISSION_QUEUE_TIMEOUT_MS', 100, 0, 60_000),
    targetLoopDelayMs: read.integer('ADMISSION_TARGET_LOOP_DELAY_MS', 50, 0, 10_000),
    minInFlight: read.integer('ADMISSION_MIN_IN_FLIGHT', 8, 1, 100_000),
  };
}
