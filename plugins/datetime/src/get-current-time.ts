import { defineTool, type ToolContext } from '@acai/plugin-sdk';
import { formatCalendarDate, pad2, weekdayOf } from './calendar-date.js';
import { chooseTimeZone, type DatetimeConfig } from './datetime-config.js';
import { formatOffset, formatWallClock, offsetMinutesAt, offsetMinutesOf, wallClockAsUtc, wallClockAt } from './zoned-time.js';

/** `get_current_time`: the date, time, weekday and UTC offset now in a zone. */
export const getCurrentTime = defineTool({
  name: 'get_current_time',
  description:
    "Current date, time, weekday and UTC offset in an IANA time zone (e.g. Europe/Madrid), or in the server's zone when time_zone is null. Use it for 'today', 'now' and relative dates.",
  parameters: {
    type: 'object',
    properties: {
      time_zone: {
        type: ['string', 'null'],
        description: "IANA time zone such as 'America/New_York'; null for the server's zone.",
      },
    },
    required: ['time_zone'],
    additionalProperties: false,
  },
  idempotent: true,
  execute(args, context: ToolContext<DatetimeConfig>) {
    const timeZone = chooseTimeZone(args.time_zone, 'time_zone', context);
    const epochMs = context.clock.now().getTime();
    // One reading of the zone's clock serves the time, the offset and the ISO form (each used to read it again).
    const wall = wallClockAt(epochMs, timeZone);
    const offsetMinutes = offsetMinutesOf(wall, epochMs);
    const date = formatCalendarDate(wall);
    const time = `${pad2(wall.hour)}:${pad2(wall.minute)}:${pad2(wall.second)}`;
    const weekday = weekdayOf(wall);
    const utcOffset = formatOffset(offsetMinutes);
    const iso = `${formatWallClock(wall)}${utcOffset}`;
    const isDst = offsetMinutes > standardOffsetMinutes(wall.year, timeZone);
    return {
      content: `Current time in ${timeZone}: ${weekday}, ${date} ${time} (UTC${utcOffset}${isDst ? ', daylight saving time' : ''}). ISO 8601: ${iso}`,
      data: { timeZone, date, time, weekday, utcOffset, iso, isDst, utc: new Date(epochMs).toISOString() },
    };
  },
});

// A zone's standard offset in a year does not change while the process runs (its tz data is loaded
// once), so it is read once per zone and year; the map is cleared when it grows past a few hundred.
const standardOffsets = new Map<string, number>();
const MAX_STANDARD_OFFSETS = 512;

// The smaller of the January and July offsets is the zone's standard time in that year.
function standardOffsetMinutes(year: number, timeZone: string): number {
  const key = `${year} ${timeZone}`;
  const known = standardOffsets.get(key);
  if (known !== undefined) return known;
  const january = wallClockAsUtc({ year, month: 1, day: 1, hour: 12, minute: 0, second: 0 });
  const july = wallClockAsUtc({ year, month: 7, day: 1, hour: 12, minute: 0, second: 0 });
  const standard = Math.min(offsetMinutesAt(january, timeZone), offsetMinutesAt(july, timeZone));
  if (standardOffsets.size >= MAX_STANDARD_OFFSETS) standardOffsets.clear();
  standardOffsets.set(key, standard);
  return standard;
}
