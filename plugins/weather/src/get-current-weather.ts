import { defineTool, type ToolContext } from '@acai/plugin-sdk';
import { lookupWeather } from './lookup-weather.js';
import type { WeatherConfig } from './weather-config.js';
import { cleanLocation } from './weather-request.js';

/** `get_current_weather`: current conditions for a location. */
export const getCurrentWeather = defineTool({
  name: 'get_current_weather',
  description:
    'Current weather (condition, temperature, feels-like, humidity, wind, pressure) for a location. Answers come from a weather provider; when it is down, the last cached report is returned labelled with its age.',
  parameters: {
    type: 'object',
    properties: {
      location: {
        type: 'string',
        description: 'City ("Paris"), city with country ("Paris, France"), or decimal coordinates "lat,lon".',
      },
    },
    required: ['location'],
    additionalProperties: false,
  },
  idempotent: true,
  execute(args, context: ToolContext<WeatherConfig>) {
    return lookupWeather({ kind: 'current', location: cleanLocation(args.location), days: 1 }, context);
  },
});
