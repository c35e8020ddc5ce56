import { ToolError } from '@acai/plugin-sdk';

/** An inclusive range of calendar days, as `YYYY-MM-DD` strings (which sort like the dates). */
export interface DateRange {
  readonly from: string;
  readonly to: string;
}

export const MIN_YEAR = 1900;
export const MAX_YEAR = 2200;
/** Most calendar years one call may span. */
export const MAX_YEAR_SPAN = 10;

/**
 * Reads `YYYY-MM-DD` (an RFC 3339 date-time is accepted and cut to its date, as the old tool took RFC 3339).
 * Impossible dates such as 2026-02-30 are rejected.
 */
export function parseDay(text: string, field: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(text.trim());
  if (!match) throw new ToolError('INVALID_INPUT', `${field} must be a date in the form YYYY-MM-DD (e.g. 2026-03-01); got "${text}".`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const lastDay = month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (month < 1 || month > 12 || day < 1 || day > lastDay) {
    throw new ToolError('INVALID_INPUT', `${field}: "${text}" is not a valid calendar date.`);
  }
  checkYear(year, field);
  return `${match[1]}-${match[2]}-${match[3]}`;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function checkYear(year: number, field: string): void {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) {
    throw new ToolError('INVALID_INPUT', `${field}: year ${year} is outside the supported range ${MIN_YEAR}-${MAX_YEAR}.`);
  }
}

/**
 * The days to list: both bounds as given; `from` alone → one year from it; `to` alone → from January 1 of its year;
 * neither → the whole `year` (default: the current year in `timeZone`).
 */
export function resolveDateRange(
  input: { year: number | null; from: string | null; to: string | null },
  today: string,
): DateRange {
  const from = input.from !== null && input.from.trim() !== '' ? parseDay(input.from, 'from_date') : null;
  const to = input.to !== null && input.to.trim() !== '' ? parseDay(input.to, 'to_date') : null;
  let range: DateRange;
  if (from !== null && to !== null) range = { from, to };
  else if (from !== null) range = { from, to: dayBefore(`${Number(from.slice(0, 4)) + 1}${from.slice(4)}`) };
  else if (to !== null) range = { from: `${to.slice(0, 4)}-01-01`, to };
  else {
    const year = input.year ?? Number(today.slice(0, 4));
    checkYear(year, 'year');
    range = { from: `${String(year).padStart(4, '0')}-01-01`, to: `${String(year).padStart(4, '0')}-12-31` };
  }
  if (range.from > range.to) {
    throw new ToolError('INVALID_INPUT', `from_date ${range.from} is after to_date ${range.to}.`);
  }
  const span = Number(range.to.slice(0, 4)) - Number(range.from.slice(0, 4)) + 1;
  if (span > MAX_YEAR_SPAN) {
    throw new ToolError('INVALID_INPUT', `The range ${range.from} to ${range.to} spans ${span} years; at most ${MAX_YEAR_SPAN} per call.`);
  }
  if (Number(range.to.slice(0, 4)) > MAX_YEAR) checkYear(Number(range.to.slice(0, 4)), 'to_date');
  return range;
}

// Years are >= 1900 here, so Date.UTC's two-digit-year mapping never applies; day 0/overflow roll over correctly.
function dayBefore(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date - 1)).toISOString().slice(0, 10);
}

/** Today's date in a zone, `YYYY-MM-DD`. */
export function todayIn(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
