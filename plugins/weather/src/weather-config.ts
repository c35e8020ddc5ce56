import { SECURE_BASE_URL_PATTERN, type InferSchema } from '@acai/plugin-sdk';

/** JSON Schema of the weather plugin's configuration. */
export const weatherConfigSchema = {
  type: 'object',
  properties: {
    provider: {
      type: 'string',
      enum: ['open-meteo', 'weatherapi'],
      default: 'open-meteo',
      description: 'Data source: Open-Meteo (no key) or WeatherAPI.com (needs apiKey).',
    },
    apiKey: {
      type: 'string',
      minLength: 1,
      description: 'WeatherAPI.com key (secret). Required when provider is "weatherapi".',
    },
    weatherApiBaseUrl: {
      type: 'string',
      pattern: SECURE_BASE_URL_PATTERN,
      default: 'https://api.weatherapi.com/v1',
      description: 'WeatherAPI.com base URL (HTTPS).',
    },
    openMeteoGeocodingUrl: {
      type: 'string',
      pattern: SECURE_BASE_URL_PATTERN,
      default: 'https://geocoding-api.open-meteo.com/v1/search',
      description: 'Open-Meteo geocoding search endpoint (HTTPS).',
    },
    openMeteoForecastUrl: {
      type: 'string',
      pattern: SECURE_BASE_URL_PATTERN,
      default: 'https://api.open-meteo.com/v1/forecast',
      description: 'Open-Meteo forecast endpoint (HTTPS).',
    },
    cacheTtlSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 86400,
      default: 600,
      description: 'How long a report is served from cache without asking the provider.',
    },
    staleTtlSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 604800,
      default: 86400,
      description: 'How long a report is kept to be served (labelled with its age) when the provider fails.',
    },
    requestTimeoutMs: {
      type: 'integer',
      minimum: 100,
      maximum: 60000,
      default: 8000,
      description: 'Timeout of each provider request.',
    },
  },
  additionalProperties: false,
  if: { properties: { provider: { const: 'weatherapi' } }, required: ['provider'] },
  then: { properties: { apiKey: { type: 'string', minLength: 1 } }, required: ['apiKey'] },
} as const;

/**
 * The weather plugin's configuration as the host hands it over: validated, with every schema default filled
 * (the host and the test harness validate it with Ajv's `useDefaults`), so only `apiKey` may be missing.
 */
export type WeatherConfig = InferSchema<typeof weatherConfigSchema>;
