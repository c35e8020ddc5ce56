import { defineTool, ToolError, type ToolContext } from '@acai/plugin-sdk';
import { resolveDateRange, todayIn, type DateRange } from './date-range.js';
import { describeArea, holidaysInYear, resolveArea, type HolidayEntry, type HolidayType } from './holiday-calendar.js';
import type { HolidaysConfig } from './holidays-config.js';
import { loadIcalFeed } from './ical-feed.js';

const DEFAULT_TYPES: readonly HolidayType[] = ['public', 'bank'];
const MAX_COUNT_LIMIT = 1000;

/** `list_holidays`: holidays of a country/region in a date range, filtered by type and count. */
export const listHolidays = defineTool({
  name: 'list_holidays',
  description:
    "Lists holidays, one per line as 'YYYY-MM-DD: Name (type)', sorted by date, for a country (and optionally a region) " +
    'from the offline date-holidays dataset. Filter by a date range (inclusive), holiday types and a maximum count. ' +
    "With country null it uses the operator's local calendar.",
  parameters: {
    type: 'object',
    properties: {
      country: {
        type: ['string', 'null'],
        description: "ISO 3166-1 alpha-2 code such as 'US', 'GB', 'ES' (or with a region, 'ES-CT'); null for the local calendar.",
      },
      region: {
        type: ['string', 'null'],
        description: "State or region code such as 'CT' (Catalonia), 'ENG' (England), 'CA' (California); null for the whole country.",
      },
      year: { type: ['integer', 'null'], description: 'Calendar year; null for the current year. Ignored when from_date or to_date is set.' },
      from_date: { type: ['string', 'null'], description: 'First day to include, YYYY-MM-DD; alone it lists one year from that day.' },
      to_date: { type: ['string', 'null'], description: 'Last day to include, YYYY-MM-DD.' },
      types: {
        type: ['array', 'null'],
        items: { type: 'string', enum: ['public', 'bank', 'school', 'optional', 'observance'] },
        description: "Holiday types to include; null for ['public', 'bank'].",
      },
      max_count: { type: ['integer', 'null'], description: 'Return at most this many (the earliest); null for all.' },
    },
    required: ['country', 'region', 'year', 'from_date', 'to_date', 'types', 'max_count'],
    additionalProperties: false,
  },
  idempotent: true,
  async execute(args, context: ToolContext<HolidaysConfig>) {
    if (args.max_count !== null && (!Number.isInteger(args.max_count) || args.max_count < 1 || args.max_count > MAX_COUNT_LIMIT)) {
      throw new ToolError('INVALID_INPUT', `max_count must be a whole number from 1 to ${MAX_COUNT_LIMIT}, or null for all; got ${args.max_count}.`);
    }
    const range = resolveDateRange(
      { year: args.year, from: args.from_date, to: args.to_date },
      todayIn(context.clock.now(), context.clock.timeZone),
    );
    const country = args.country !== null && args.country.trim() !== '' ? args.country : null;
    if (country === null && context.config.icalUrl !== undefined) {
      return listFromIcal(context.config.icalUrl, range, args.max_count, context);
    }
    const effectiveCountry = country ?? context.config.defaultCountry;
    if (effectiveCountry === undefined) {
      throw new ToolError('INVALID_INPUT', "country is required (an ISO 3166-1 alpha-2 code such as 'US' or 'ES'); no local calendar is configured.");
    }
    const area = resolveArea(effectiveCountry, args.region);
    const types = args.types === null || args.types.length === 0 ? DEFAULT_TYPES : [...new Set(args.types)];
    const matching: HolidayEntry[] = [];
    for (let year = Number(range.from.slice(0, 4)); year <= Number(range.to.slice(0, 4)); year += 1) {
      for (const holiday of holidaysInYear(area, year)) {
        // Calendar-date comparison: `date` is the holiday's local day, so time zones cannot shift it.
        if (holiday.date >= range.from && holiday.date <= range.to && (types as readonly string[]).includes(holiday.type)) {
          matching.push(holiday);
        }
      }
    }
    const shown = args.max_count === null ? matching : matching.slice(0, args.max_count);
    const place = describeArea(area);
    const code = [area.country, area.state, area.region].filter((part) => part !== null).join('-');
    const typeText = types.join(', ');
    const data = {
      source: 'date-holidays',
      country: area.country,
      region: area.state === null ? null : [area.state, area.region].filter((part) => part !== null).join('-'),
      from: range.from,
      to: range.to,
      types,
      total: matching.length,
      isTruncated: shown.length < matching.length,
      holidays: shown.map((holiday) => ({ ...holiday })),
    };
    if (matching.length === 0) {
      return { content: `No holidays of type ${typeText} in ${place} (${code}) between ${range.from} and ${range.to}.`, data };
    }
    const countText = shown.length < matching.length ? `showing the first ${shown.length} of ${matching.length}` : `${matching.length} found`;
    const lines = shown.map((holiday) => `${holiday.date}: ${holiday.name} (${holiday.type})`);
    return {
      content: `Holidays in ${place} (${code}) from ${range.from} to ${range.to}, types ${typeText} (${countText}):\n${lines.join('\n')}`,
      data,
    };
  },
});

async function listFromIcal(url: string, range: DateRange, maxCount: number | null, context: ToolContext<HolidaysConfig>) {
  const events = await loadIcalFeed(url, context);
  const matching = events
    .filter((event) => event.date >= range.from && event.date <= range.to)
    .sort((left, right) => left.date.localeCompare(right.date) || left.name.localeCompare(right.name));
  const shown = maxCount === null ? matching : matching.slice(0, maxCount);
  const holidays = shown.map((event) => ({ date: event.date, name: event.name, type: event.category ?? 'holiday', isSubstitute: false }));
  const data = { source: 'ical', from: range.from, to: range.to, types: null, total: matching.length, isTruncated: shown.length < matching.length, holidays };
  if (matching.length === 0) {
    return { content: `No holidays in the local holiday calendar between ${range.from} and ${range.to}.`, data };
  }
  const countText = shown.length < matching.length ? `showing the first ${shown.length} of ${matching.length}` : `${matching.length} found`;
  const lines = holidays.map((holiday) => `${holiday.date}: ${holiday.name} (${holiday.type})`);
  return { content: `Holidays in the local holiday calendar from ${range.from} to ${range.to} (${countText}):\n${lines.join('\n')}`, data };
}
