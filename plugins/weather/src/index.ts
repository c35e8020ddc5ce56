import { definePlugin } from '@acai/plugin-sdk';
import { getCurrentWeather } from './get-current-weather.js';
import { getForecast } from './get-forecast.js';
import { weatherConfigSchema } from './weather-config.js';

export type { WeatherConfig } from './weather-config.js';
export type { CurrentConditions, CurrentWeatherReport, ForecastDay, ForecastReport, WeatherLocation, WeatherReport } from './weather-report.js';

/** @acai/plugin-weather: current conditions and 1–10 day forecasts from Open-Meteo or WeatherAPI.com. */
export default definePlugin({
  name: 'weather',
  description: 'Current weather and daily forecasts (1-10 days) for any location, from Open-Meteo or WeatherAPI.com.',
  configSchema: weatherConfigSchema,
  tools: [getCurrentWeather, getForecast],
});
