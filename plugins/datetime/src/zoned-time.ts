import { ToolError } from '@acai/plugin-sdk';
import { pad2, type CalendarDate } from './calendar-date.js';

/** A local wall-clock reading in some zone. */
export interface WallClock extends CalendarDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
let knownZones: Map<string, string> | undefined;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function zoneIndex(): Map<string, string> {
  if (!knownZones) {
    knownZones = new Map(Intl.supportedValuesOf('timeZone').map((zone) => [zone.toLowerCase(), zone]));
    knownZones.set('utc', 'UTC');
  }
  return knownZones;
}

/**
 * Validates an IANA time zone name and returns it with canonical casing where known.
 * Unknown names fail with INVALID_INPUT, suggesting zones whose city matches.
 */
export function resolveTimeZone(name: string, field: string): string {
  const trimmed = name.trim();
  const known = zoneIndex().get(trimmed.toLowerCase());
  if (known) return known;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
    // Intl accepts aliases (Asia/Kolkata, US/Pacific) and reports the ICU canonical name; keep what the user wrote.
    return resolved.toLowerCase() === trimmed.toLowerCase() ? resolved : trimmed;
  } catch {
    const city = trimmed.toLowerCase().replace(/\s+/g, '_');
    const suggestions = [...zoneIndex().values()].filter((zone) => zone.toLowerCase().endsWith(`/${city}`)).slice(0, 3);
    const hint = suggestions.length > 0
      ? ` Did you mean ${suggestions.map((zone) => `"${zone}"`).join(' or ')}?`
      : ' Use an IANA name such as "Europe/Madrid", "America/New_York" or "UTC".';
    throw new ToolError('INVALID_INPUT', `${field}: unknown time zone "${name}".${hint}`);
  }
}

// Reading a zone's clock (ICU formatToParts) is the costly step of a time tool call, and a busy host
// asks for the same zone many times within one second: the last reading per zone is kept (one entry
// per zone asked for, cleared if odd spellings of aliases ever make it grow past a thousand).
const lastReadings = new Map<string, { readonly second: number; readonly wall: WallClock }>();
const MAX_LAST_READINGS = 1000;

/** The wall clock in `timeZone` at the instant `epochMs`. */
export function wallClockAt(epochMs: number, timeZone: string): WallClock {
  const second = Math.floor(epochMs / 1000);
  const last = lastReadings.get(timeZone);
  if (last !== undefined && last.second === second) return last.wall;
  const wall = readWallClock(second * 1000, timeZone);
  if (lastReadings.size >= MAX_LAST_READINGS) lastReadings.clear();
  lastReadings.set(timeZone, { second, wall });
  return wall;
}

function readWallClock(epochMs: number, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) parts[part.type] = part.value;
  const yearOfEra = Number(parts['year']);
  const year = parts['era'] === 'BC' || parts['era'] === 'B' ? 1 - yearOfEra : yearOfEra;
  return {
    year,
    month: Number(parts['month']),
    day: Number(parts['day']),
    hour: Number(parts['hour']),
    minute: Number(parts['minute']),
    second: Number(parts['second']),
  };
}

/** The wall clock read as if it were UTC, in epoch milliseconds. */
export function wallClockAsUtc(wall: WallClock): number {
  const date = new Date(0);
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, 0);
  return date.getTime();
}

/** Offset of `timeZone` from UTC at the instant, in minutes (east positive). */
export function offsetMinutesAt(epochMs: number, timeZone: string): number {
  return offsetMinutesOf(wallClockAt(epochMs, timeZone), epochMs);
}

/**
 * The offset, given the wall clock already read at that instant (`wallClockAt(epochMs, zone)`): reading
 * a zone's clock is the expensive part (ICU formatToParts), so callers that have it reuse it.
 */
export function offsetMinutesOf(wall: WallClock, epochMs: number): number {
  // The wall clock has whole seconds; compare it with the instant's whole second.
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  return Math.round((wallClockAsUtc(wall) - wholeSecond) / 60_000);
}

/** `+01:00` style offset. */
export function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  return `${sign}${pad2(Math.floor(absolute / 60))}:${pad2(absolute % 60)}`;
}

/** `YYYY-MM-DDTHH:MM:SS` without offset. */
export function formatWallClock(wall: WallClock): string {
  return `${String(wall.year).padStart(4, '0')}-${pad2(wall.month)}-${pad2(wall.day)}T${pad2(wall.hour)}:${pad2(wall.minute)}:${pad2(wall.second)}`;
}

/** The instants at which a zone shows the given wall clock. */
export type LocalTimeResolution =
  | { kind: 'unique'; epochMs: number }
  | { kind: 'ambiguous'; earlierEpochMs: number; laterEpochMs: number }
  | { kind: 'skipped'; offsetBeforeMinutes: number; offsetAfterMinutes: number };

/**
 * Maps a local wall clock to instants. Around a DST change a wall clock can occur
 * twice (clocks go back) or never (clocks jump forward); both cases are reported.
 */
export function resolveLocalTime(wall: WallClock, timeZone: string): LocalTimeResolution {
  const asUtc = wallClockAsUtc(wall);
  const dayMs = 86_400_000;
  const offsetBefore = offsetMinutesAt(asUtc - dayMs, timeZone);
  const offsetAfter = offsetMinutesAt(asUtc + dayMs, timeZone);
  const candidates = new Set<number>();
  for (const offset of [offsetBefore, offsetAfter, offsetMinutesAt(asUtc, timeZone)]) {
    const epochMs = asUtc - offset * 60_000;
    if (wallClockAsUtc(wallClockAt(epochMs, timeZone)) === asUtc) candidates.add(epochMs);
  }
  const sorted = [...candidates].sort((left, right) => left - right);
  const earliest = sorted[0];
  const latest = sorted[sorted.length - 1];
  if (earliest === undefined || latest === undefined) {
    return { kind: 'skipped', offsetBeforeMinutes: offsetBefore, offsetAfterMinutes: offsetAfter };
  }
  if (earliest === latest) return { kind: 'unique', epochMs: earliest };
  return { kind: 'ambiguous', earlierEpochMs: earliest, laterEpochMs: latest };
}

/** ISO 8601 with the zone's offset, e.g. `2026-03-01T11:00:00+01:00`. */
export function formatIsoInZone(epochMs: number, timeZone: string): string {
  const wall = wallClockAt(epochMs, timeZone);
  return `${formatWallClock(wall)}${formatOffset(offsetMinutesOf(wall, epochMs))}`;
}
