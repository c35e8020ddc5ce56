import { SECURE_URL_PATTERN, type InferSchema } from '@acai/plugin-sdk';

/** JSON Schema of the holidays plugin's configuration. */
export const holidaysConfigSchema = {
  type: 'object',
  properties: {
    defaultCountry: {
      type: 'string',
      minLength: 2,
      description: 'Country used when a call gives none and no icalUrl is set (ISO 3166-1 alpha-2, e.g. "ES", or "ES-CT").',
    },
    icalUrl: {
      type: 'string',
      pattern: SECURE_URL_PATTERN,
      description: "iCal feed used when a call gives no country (the old service's HOLIDAY_CALENDAR_LINK). HTTPS only; its host must be in the manifest's network.hosts.",
    },
    icalTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000, default: 5000, description: 'Timeout for fetching the iCal feed.' },
    icalMaxBytes: {
      type: 'integer',
      minimum: 1024,
      maximum: 10485760,
      default: 1048576,
      description: 'Largest iCal feed accepted (bytes).',
    },
    icalCacheTtlSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 604800,
      default: 21600,
      description: 'How long a fetched iCal feed is reused.',
    },
  },
  additionalProperties: false,
} as const;

/** The holidays plugin's validated configuration (defaults filled by the host). */
export type HolidaysConfig = InferSchema<typeof holidaysConfigSchema>;
