import { ToolError } from '@acai/plugin-sdk';

/** A calendar day with no time and no zone (proleptic Gregorian). */
export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

const MIN_YEAR = 1;
const MAX_YEAR = 9999;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for leap years of the Gregorian calendar. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Number of days in a month (1-12). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses `YYYY-MM-DD` strictly (no rollover: 2026-02-30 is rejected).
 * `field` names the argument in the error so the model can fix it.
 */
export function parseCalendarDate(text: string, field: string): CalendarDate {
  const trimmed = text.trim();
  const match = DATE_PATTERN.exec(trimmed);
  if (!match) {
    throw new ToolError('INVALID_INPUT', `${field} must be a calendar date in the form YYYY-MM-DD (e.g. 2026-03-01); got "${text}".`);
  }
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < MIN_YEAR) {
    throw new ToolError('INVALID_INPUT', `${field}: year ${year} is out of range (0001-9999).`);
  }
  if (month < 1 || month > 12) {
    throw new ToolError('INVALID_INPUT', `${field}: month ${match[2]} does not exist in "${trimmed}" (months are 01-12).`);
  }
  const lastDay = daysInMonth(year, month);
  if (day < 1 || day > lastDay) {
    throw new ToolError(
      'INVALID_INPUT',
      `${field}: "${trimmed}" is not a valid date; ${formatMonth(year, month)} has ${lastDay} days.`,
    );
  }
  return { year, month, day };
}

/** Days since 1970-01-01 (negative before), by Howard Hinnant's days_from_civil. */
export function toEpochDay(date: CalendarDate): number {
  const year = date.month <= 2 ? date.year - 1 : date.year;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const monthIndex = date.month > 2 ? date.month - 3 : date.month + 9;
  const dayOfYear = Math.floor((153 * monthIndex + 2) / 5) + date.day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Inverse of {@link toEpochDay}. */
export function fromEpochDay(epochDay: number): CalendarDate {
  const shifted = epochDay + 719468;
  const era = Math.floor(shifted / 146097);
  const dayOfEra = shifted - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** English weekday name. */
export function weekdayOf(date: CalendarDate): (typeof WEEKDAYS)[number] {
  const index = (((toEpochDay(date) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  return WEEKDAYS[index] ?? 'Sunday';
}

/** `YYYY-MM-DD`. */
export function formatCalendarDate(date: CalendarDate): string {
  return `${String(date.year).padStart(4, '0')}-${pad2(date.month)}-${pad2(date.day)}`;
}

/** Throws INVALID_INPUT when a computed date leaves the supported range. */
export function assertInRange(date: CalendarDate, what: string): CalendarDate {
  if (date.year < MIN_YEAR || date.year > MAX_YEAR) {
    throw new ToolError('INVALID_INPUT', `${what} falls outside the supported years 0001-9999.`);
  }
  return date;
}

/** Adds whole months, clamping the day to the end of a shorter month (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: CalendarDate, months: number): { date: CalendarDate; isClamped: boolean } {
  const monthIndex = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const lastDay = daysInMonth(year, month);
  const day = Math.min(date.day, lastDay);
  return { date: { year, month, day }, isClamped: day !== date.day };
}

export function pad2(value: number): string {
  return String(value).padStart(2, '0');
}

function formatMonth(year: number, month: number): string {
  const names = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return `${names[month - 1] ?? ''} ${year}`;
}
