import { defineTool, ToolError, type ToolContext } from '@acai/plugin-sdk';
import { lookupWeather } from './lookup-weather.js';
import type { WeatherConfig } from './weather-config.js';
import { cleanLocation } from './weather-request.js';

export const MAX_FORECAST_DAYS = 10;

/** `get_forecast`: a daily forecast (1–10 days, starting today) for a location. */
export const getForecast = defineTool({
  name: 'get_forecast',
  description:
    'Daily weather forecast for a location, starting today: condition, min/max temperature, wind, precipitation and chance of rain per day. days is 1-10 (1 = today only, 2 = today and tomorrow).',
  parameters: {
    type: 'object',
    properties: {
      location: {
        type: 'string',
        description: 'City ("Paris"), city with country ("Paris, France"), or decimal coordinates "lat,lon".',
      },
      days: {
        type: ['integer', 'null'],
        description: 'Number of days from 1 to 10, today included; null for 3.',
      },
    },
    required: ['location', 'days'],
    additionalProperties: false,
  },
  idempotent: true,
  execute(args, context: ToolContext<WeatherConfig>) {
    const days = args.days ?? 3;
    if (!Number.isInteger(days) || days < 1 || days > MAX_FORECAST_DAYS) {
      throw new ToolError('INVALID_INPUT', `days must be a whole number from 1 to ${MAX_FORECAST_DAYS}; got ${days}.`);
    }
    return lookupWeather({ kind: 'forecast', location: cleanLocation(args.location), days }, context);
  },
});
