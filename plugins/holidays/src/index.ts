import { definePlugin } from '@acai/plugin-sdk';
import { resolveArea } from './holiday-calendar.js';
import { holidaysConfigSchema } from './holidays-config.js';
import { listHolidayCountries } from './list-holiday-countries.js';
import { listHolidayRegions } from './list-holiday-regions.js';
import { listHolidays } from './list-holidays.js';

export type { HolidaysConfig } from './holidays-config.js';
export { parseIcalEvents } from './ical-feed.js';
export type { IcalEvent } from './ical-feed.js';

/** @acai/plugin-holidays: public and bank holidays for ~200 countries (offline), optionally a local iCal feed. */
export default definePlugin({
  name: 'holidays',
  description: 'Public, bank and other holidays for any country and region (offline dataset), optionally from an iCal feed.',
  configSchema: holidaysConfigSchema,
  tools: [listHolidays, listHolidayRegions, listHolidayCountries],
  setup(context) {
    // A misspelt defaultCountry should fail the load, not every call.
    if (context.config.defaultCountry !== undefined) resolveArea(context.config.defaultCountry, null);
  },
});
