import type { Clock } from '../context.js';

/** The machine's IANA time zone. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The real clock. */
export function createSystemClock(timeZone: string = systemTimeZone()): Clock {
  return { now: () => new Date(), timeZone };
}

/** A clock tests move by hand. */
export interface FakeClock extends Clock {
  /** Jumps to an instant. */
  set(instant: Date | string | number): void;
  /** Moves forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** The current instant in epoch milliseconds. */
  nowMs(): number;
}

/**
 * A fake clock starting at `now` (default 2026-01-01T00:00:00Z) in `timeZone` (default UTC).
 *
 * @example
 * const clock = createFakeClock({ now: '2026-03-01T12:00:00Z', timeZone: 'Europe/Madrid' });
 * clock.advance(60_000);
 */
export function createFakeClock(options: { now?: Date | string | number; timeZone?: string } = {}): FakeClock {
  let current = toEpochMs(options.now ?? '2026-01-01T00:00:00Z');
  return {
    timeZone: options.timeZone ?? 'UTC',
    now: () => new Date(current),
    nowMs: () => current,
    set(instant) {
      current = toEpochMs(instant);
    },
    advance(ms) {
      current += ms;
    },
  };
}

function toEpochMs(instant: Date | string | number): number {
  const value = instant instanceof Date ? instant.getTime() : typeof instant === 'number' ? instant : Date.parse(instant);
  if (Number.isNaN(value)) throw new TypeError(`Invalid instant ${String(instant)}`);
  return value;
}
