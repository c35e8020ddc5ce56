import { defineTool, ToolError, type ToolContext } from '@acai/plugin-sdk';
import { parseCalendarDate, weekdayOf, type CalendarDate } from './calendar-date.js';
import { chooseTimeZone, type DatetimeConfig } from './datetime-config.js';
import {
  formatIsoInZone,
  formatOffset,
  formatWallClock,
  offsetMinutesAt,
  resolveLocalTime,
  wallClockAt,
  type WallClock,
} from './zoned-time.js';

const DATE_TIME_PATTERN = /^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;
const TIME_PATTERN = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** `convert_time`: a local date-time in one zone expressed in another zone. */
export const convertTime = defineTool({
  name: 'convert_time',
  description:
    "Converts a local date and time from one IANA time zone to another, handling daylight saving time. date_time is 'YYYY-MM-DDTHH:MM[:SS]', or 'HH:MM' for today in from_time_zone, or null for now. A null zone means the server's zone.",
  parameters: {
    type: 'object',
    properties: {
      date_time: {
        type: ['string', 'null'],
        description: "Local date-time in from_time_zone, e.g. '2026-03-01T15:30' or '15:30' (today); null for the current moment.",
      },
      from_time_zone: {
        type: ['string', 'null'],
        description: "IANA zone the date_time is in, e.g. 'America/New_York'; null for the server's zone.",
      },
      to_time_zone: {
        type: ['string', 'null'],
        description: "IANA zone to convert to, e.g. 'Asia/Tokyo'; null for the server's zone.",
      },
    },
    required: ['date_time', 'from_time_zone', 'to_time_zone'],
    additionalProperties: false,
  },
  idempotent: true,
  execute(args, context: ToolContext<DatetimeConfig>) {
    const fromZone = chooseTimeZone(args.from_time_zone, 'from_time_zone', context);
    const toZone = chooseTimeZone(args.to_time_zone, 'to_time_zone', context);
    const { epochMs, note } = instantOf(args.date_time, fromZone, context.clock.now().getTime());

    const from = describe(epochMs, fromZone);
    const to = describe(epochMs, toZone);
    const dayShift = dayDifference(from.wall, to.wall);
    const dayWord = Math.abs(dayShift) === 1 ? 'day' : 'days';
    const shiftText = dayShift === 0 ? 'same day' : dayShift > 0 ? `${dayShift} ${dayWord} later` : `${-dayShift} ${dayWord} earlier`;
    return {
      content:
        `${from.text} in ${fromZone} (UTC${from.utcOffset}) is ${to.text} in ${toZone} (UTC${to.utcOffset}), ${to.weekday} (${shiftText}).` +
        (note ? ` Note: ${note}` : ''),
      data: {
        utc: new Date(epochMs).toISOString(),
        from: { timeZone: fromZone, dateTime: formatWallClock(from.wall), weekday: from.weekday, utcOffset: from.utcOffset, iso: from.iso },
        to: { timeZone: toZone, dateTime: formatWallClock(to.wall), weekday: to.weekday, utcOffset: to.utcOffset, iso: to.iso },
        ...(note ? { note } : {}),
      },
    };
  },
});

function describe(epochMs: number, timeZone: string) {
  const wall = wallClockAt(epochMs, timeZone);
  return {
    wall,
    text: formatWallClock(wall).replace('T', ' '),
    weekday: weekdayOf(wall),
    utcOffset: formatOffset(offsetMinutesAt(epochMs, timeZone)),
    iso: formatIsoInZone(epochMs, timeZone),
  };
}

function dayDifference(from: CalendarDate, to: CalendarDate): number {
  const fromDay = Date.UTC(from.year, from.month - 1, from.day);
  const toDay = Date.UTC(to.year, to.month - 1, to.day);
  return Math.round((toDay - fromDay) / 86_400_000);
}

function instantOf(dateTime: string | null, fromZone: string, nowMs: number): { epochMs: number; note?: string } {
  if (dateTime === null || dateTime.trim() === '') return { epochMs: nowMs };
  const text = dateTime.trim();
  const wall = parseWallClock(text, fromZone, nowMs);
  if (wall.explicitOffsetMinutes !== undefined) {
    const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
    return {
      epochMs: asUtc - wall.explicitOffsetMinutes * 60_000,
      note: `date_time carried its own UTC offset (${formatOffset(wall.explicitOffsetMinutes)}), which was used instead of from_time_zone.`,
    };
  }
  const resolution = resolveLocalTime(wall, fromZone);
  switch (resolution.kind) {
    case 'unique':
      return { epochMs: resolution.epochMs };
    case 'ambiguous':
      return {
        epochMs: resolution.earlierEpochMs,
        note: `${formatWallClock(wall)} happens twice in ${fromZone} because clocks go back that night; the first occurrence (UTC${formatOffset(offsetMinutesAt(resolution.earlierEpochMs, fromZone))}) was used, the second is at UTC${formatOffset(offsetMinutesAt(resolution.laterEpochMs, fromZone))}.`,
      };
    case 'skipped':
      throw new ToolError(
        'INVALID_INPUT',
        `date_time: ${formatWallClock(wall)} does not exist in ${fromZone}; clocks jump forward that night (UTC${formatOffset(resolution.offsetBeforeMinutes)} to UTC${formatOffset(resolution.offsetAfterMinutes)}). Use a time after the change.`,
      );
  }
}

function parseWallClock(text: string, fromZone: string, nowMs: number): WallClock & { explicitOffsetMinutes?: number } {
  const timeOnly = TIME_PATTERN.exec(text);
  if (timeOnly) {
    const today = wallClockAt(nowMs, fromZone);
    return { ...checkedTime(today, timeOnly[1], timeOnly[2], timeOnly[3], text) };
  }
  const match = DATE_TIME_PATTERN.exec(text);
  if (!match) {
    throw new ToolError(
      'INVALID_INPUT',
      `date_time must look like '2026-03-01T15:30', '2026-03-01 15:30:00' or '15:30'; got "${text}".`,
    );
  }
  const date = parseCalendarDate(match[1] ?? '', 'date_time');
  const wall = checkedTime(date, match[2], match[3], match[4], text);
  const offset = match[5];
  if (offset === undefined) return wall;
  if (offset.toUpperCase() === 'Z') return { ...wall, explicitOffsetMinutes: 0 };
  const digits = offset.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  if (minutes > 18 * 60) throw new ToolError('INVALID_INPUT', `date_time: UTC offset "${offset}" is out of range.`);
  return { ...wall, explicitOffsetMinutes: sign * minutes };
}

function checkedTime(
  date: CalendarDate,
  hourText: string | undefined,
  minuteText: string | undefined,
  secondText: string | undefined,
  original: string,
): WallClock {
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = secondText === undefined ? 0 : Number(secondText);
  if (hour > 23 || minute > 59 || second > 59) {
    throw new ToolError('INVALID_INPUT', `date_time: "${original}" is not a valid time of day (00:00-23:59:59).`);
  }
  return { year: date.year, month: date.month, day: date.day, hour, minute, second };
}
