import { definePlugin } from '@acai/plugin-sdk';
import { addToDate } from './add-to-date.js';
import { convertTime } from './convert-time.js';
import { datetimeConfigSchema } from './datetime-config.js';
import { daysBetween } from './days-between.js';
import { getCurrentTime } from './get-current-time.js';
import { resolveTimeZone } from './zoned-time.js';

export type { DatetimeConfig } from './datetime-config.js';

/** @acai/plugin-datetime: current time, time-zone conversion and calendar arithmetic, offline (Intl only). */
export default definePlugin({
  name: 'datetime',
  description: 'Current date and time in any IANA time zone, conversion between zones, and date arithmetic.',
  configSchema: datetimeConfigSchema,
  tools: [getCurrentTime, convertTime, addToDate, daysBetween],
  setup(context) {
    // Fail at load, not on the first call, when the operator configured a zone Intl does not know.
    if (context.config.defaultTimeZone !== undefined) resolveTimeZone(context.config.defaultTimeZone, 'defaultTimeZone');
  },
});
