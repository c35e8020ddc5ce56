import type { InferSchema } from '@acai/plugin-sdk';
import type { ToolContext } from '@acai/plugin-sdk';
import { resolveTimeZone } from './zoned-time.js';

/** JSON Schema of the datetime plugin's configuration. */
export const datetimeConfigSchema = {
  type: 'object',
  properties: {
    defaultTimeZone: {
      type: 'string',
      minLength: 1,
      description: "IANA zone used when a tool call names none; defaults to the host's zone.",
    },
  },
  additionalProperties: false,
} as const;

/** The datetime plugin's validated configuration. */
export type DatetimeConfig = InferSchema<typeof datetimeConfigSchema>;

/** The zone to use when the caller gave none: the configured default, else the host's. */
export function defaultTimeZone(context: ToolContext<DatetimeConfig>): string {
  return resolveTimeZone(context.config.defaultTimeZone ?? context.clock.timeZone, 'defaultTimeZone');
}

/** The caller's zone, or the default when `name` is null or blank. */
export function chooseTimeZone(name: string | null, field: string, context: ToolContext<DatetimeConfig>): string {
  return name === null || name.trim() === '' ? defaultTimeZone(context) : resolveTimeZone(name, field);
}
