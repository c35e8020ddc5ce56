import { defineTool, ToolError, type ToolContext } from '@acai/plugin-sdk';
import {
  addMonths,
  assertInRange,
  formatCalendarDate,
  fromEpochDay,
  parseCalendarDate,
  toEpochDay,
  weekdayOf,
  type CalendarDate,
} from './calendar-date.js';
import { chooseTimeZone, type DatetimeConfig } from './datetime-config.js';
import { wallClockAt } from './zoned-time.js';

const MAX_AMOUNT = 1_000_000;

/** `add_to_date`: a calendar date plus or minus days, weeks, months or years. */
export const addToDate = defineTool({
  name: 'add_to_date',
  description:
    "Adds (or, with a negative amount, subtracts) days, weeks, months or years to a calendar date and returns the resulting date and weekday, e.g. 90 days after 2026-03-01. Month and year steps keep the day of month, clamped to the month's last day.",
  parameters: {
    type: 'object',
    properties: {
      date: {
        type: ['string', 'null'],
        description: 'Start date as YYYY-MM-DD; null for today in time_zone.',
      },
      amount: { type: 'integer', description: 'How many units to add; negative to go back.' },
      unit: { type: 'string', enum: ['days', 'weeks', 'months', 'years'], description: 'Unit of amount.' },
      time_zone: {
        type: ['string', 'null'],
        description: "IANA zone that defines 'today' when date is null; null for the server's zone.",
      },
    },
    required: ['date', 'amount', 'unit', 'time_zone'],
    additionalProperties: false,
  },
  idempotent: true,
  execute(args, context: ToolContext<DatetimeConfig>) {
    if (!Number.isInteger(args.amount) || Math.abs(args.amount) > MAX_AMOUNT) {
      throw new ToolError('INVALID_INPUT', `amount must be a whole number between -${MAX_AMOUNT} and ${MAX_AMOUNT}; got ${args.amount}.`);
    }
    const start = startDate(args.date, args.time_zone, context);
    let result: CalendarDate;
    let isClamped = false;
    switch (args.unit) {
      case 'days':
        result = fromEpochDay(toEpochDay(start) + args.amount);
        break;
      case 'weeks':
        result = fromEpochDay(toEpochDay(start) + args.amount * 7);
        break;
      case 'months':
        ({ date: result, isClamped } = addMonths(start, args.amount));
        break;
      case 'years':
        ({ date: result, isClamped } = addMonths(start, args.amount * 12));
        break;
    }
    assertInRange(result, 'The resulting date');
    const startText = formatCalendarDate(start);
    const resultText = formatCalendarDate(result);
    const weekday = weekdayOf(result);
    const sign = args.amount < 0 ? '-' : '+';
    const unitText = Math.abs(args.amount) === 1 ? args.unit.slice(0, -1) : args.unit;
    const clampNote = isClamped ? ` (day ${start.day} does not exist in that month, so its last day was used)` : '';
    return {
      content: `${startText} (${weekdayOf(start)}) ${sign} ${Math.abs(args.amount)} ${unitText} = ${resultText} (${weekday})${clampNote}`,
      data: { startDate: startText, amount: args.amount, unit: args.unit, date: resultText, weekday, isClamped },
    };
  },
});

/** The given date, or today in the chosen zone. */
export function startDate(date: string | null, timeZone: string | null, context: ToolContext<DatetimeConfig>): CalendarDate {
  if (date !== null && date.trim() !== '') return parseCalendarDate(date, 'date');
  const zone = chooseTimeZone(timeZone, 'time_zone', context);
  const wall = wallClockAt(context.clock.now().getTime(), zone);
  return { year: wall.year, month: wall.month, day: wall.day };
}
