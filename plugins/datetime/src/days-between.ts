import { defineTool, type ToolContext } from '@acai/plugin-sdk';
import { formatCalendarDate, parseCalendarDate, toEpochDay, weekdayOf, type CalendarDate } from './calendar-date.js';
import { chooseTimeZone, type DatetimeConfig } from './datetime-config.js';
import { wallClockAt } from './zoned-time.js';

/** `days_between`: whole days from one calendar date to another. */
export const daysBetween = defineTool({
  name: 'days_between',
  description:
    'Counts the days from start_date to end_date (negative when end_date is earlier), e.g. how many days until 2026-12-25. A null date means today in time_zone.',
  parameters: {
    type: 'object',
    properties: {
      start_date: { type: ['string', 'null'], description: 'YYYY-MM-DD; null for today.' },
      end_date: { type: ['string', 'null'], description: 'YYYY-MM-DD; null for today.' },
      time_zone: {
        type: ['string', 'null'],
        description: "IANA zone that defines 'today' for null dates; null for the server's zone.",
      },
    },
    required: ['start_date', 'end_date', 'time_zone'],
    additionalProperties: false,
  },
  idempotent: true,
  execute(args, context: ToolContext<DatetimeConfig>) {
    const start = dateOrToday(args.start_date, 'start_date', args.time_zone, context);
    const end = dateOrToday(args.end_date, 'end_date', args.time_zone, context);
    const days = toEpochDay(end) - toEpochDay(start);
    const absolute = Math.abs(days);
    const weeks = Math.floor(absolute / 7);
    const remainingDays = absolute % 7;
    const startText = formatCalendarDate(start);
    const endText = formatCalendarDate(end);
    const weekText = weeks > 0 ? ` (${weeks} ${weeks === 1 ? 'week' : 'weeks'} and ${remainingDays} ${remainingDays === 1 ? 'day' : 'days'})` : '';
    const direction = days < 0 ? '; end_date is before start_date' : '';
    return {
      content: `From ${startText} (${weekdayOf(start)}) to ${endText} (${weekdayOf(end)}): ${days} ${absolute === 1 ? 'day' : 'days'}${weekText}${direction}.`,
      data: { startDate: startText, endDate: endText, days, weeks, remainingDays },
    };
  },
});

function dateOrToday(
  date: string | null,
  field: string,
  timeZone: string | null,
  context: ToolContext<DatetimeConfig>,
): CalendarDate {
  if (date !== null && date.trim() !== '') return parseCalendarDate(date, field);
  const wall = wallClockAt(context.clock.now().getTime(), chooseTimeZone(timeZone, 'time_zone', context));
  return { year: wall.year, month: wall.month, day: wall.day };
}
