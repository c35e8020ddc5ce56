import { defineTool, type ToolContext } from '@acai/plugin-sdk';
import { formatCalendarDate, pad2, weekdayOf } from './calendar-date.js';
import { chooseTimeZone, type DatetimeConfig } from './datetime-config.js';
import { formatIsoInZone, formatOffset, offsetMinutesAt, wallClockAsUtc, wallClockAt } from './zoned-time.js';

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
    const wall = wallClockAt(epochMs, timeZone);
    const offsetMinutes = offsetMinutesAt(epochMs, timeZone);
    const date = formatCalendarDate(wall);
    const time = `${pad2(wall.hour)}:${pad2(wall.minute)}:${pad2(wall.second)}`;
    const weekday = weekdayOf(wall);
    const utcOffset = formatOffset(offsetMinutes);
    const iso = formatIsoInZone(epochMs, timeZone);
    const isDst = offsetMinutes > standardOffsetMinutes(wall.year, timeZone);
    return {
      content: `Current time in ${timeZone}: ${weekday}, ${date} ${time} (UTC${utcOffset}${isDst ? ', daylight saving time' : ''}). ISO 8601: ${iso}`,
      data: { timeZone, date, time, weekday, utcOffset, iso, isDst, utc: new Date(epochMs).toISOString() },
    };
  },
});

// The smaller of the January and July offsets is the zone's standard time in that year.
function standardOffsetMinutes(year: number, timeZone: string): number {
  const january = wallClockAsUtc({ year, month: 1, day: 1, hour: 12, minute: 0, second: 0 });
  const july = wallClockAsUtc({ year, month: 7, day: 1, hour: 12, minute: 0, second: 0 });
  return Math.min(offsetMinutesAt(january, timeZone), offsetMinutesAt(july, timeZone));
}
