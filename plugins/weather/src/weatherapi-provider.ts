import { ToolError, type HttpResponse, type ToolContext } from '@acai/plugin-sdk';
import { parseBody, parseBodyLoosely, readNumber, readObject, readString, requireNumber } from './payload-readers.js';
import type { WeatherConfig } from './weather-config.js';
import type { CurrentConditions, ForecastDay, WeatherLocation, WeatherReport } from './weather-report.js';
import type { WeatherRequest } from './weather-request.js';

const PROVIDER = 'WeatherAPI.com';

/** Fetches current conditions or a forecast from WeatherAPI.com (`current.json` / `forecast.json`). */
export async function fetchFromWeatherApi(
  request: WeatherRequest,
  config: Readonly<WeatherConfig>,
  context: ToolContext<unknown>,
): Promise<WeatherReport> {
  if (!config.apiKey) {
    throw new ToolError('UPSTREAM_FAILED', 'The weather plugin is configured for WeatherAPI.com but has no apiKey; an operator must set it.');
  }
  // The base URL may be written with a trailing slash; the endpoint is appended after exactly one.
  const url = new URL(`${config.weatherApiBaseUrl.replace(/\/+$/, '')}/${request.kind === 'current' ? 'current' : 'forecast'}.json`);
  const query = new URLSearchParams({ key: config.apiKey, q: request.location });
  if (request.kind === 'forecast') query.set('days', String(request.days));
  query.set('aqi', 'no');
  if (request.kind === 'forecast') query.set('alerts', 'no');
  url.search = query.toString();

  const response = await context.http.fetch(url, { timeoutMs: config.requestTimeoutMs, headers: { accept: 'application/json' } });
  if (!response.ok) throw weatherApiError(response, request.location);

  const body = parseBody(response, PROVIDER);
  const location = readLocation(readObject(body['location']));
  if (request.kind === 'current') {
    return { kind: 'current', provider: 'weatherapi', location, current: readCurrent(readObject(body['current'])) };
  }
  const forecastDays = readObject(body['forecast'])['forecastday'];
  if (!Array.isArray(forecastDays) || forecastDays.length === 0) {
    throw new ToolError('UPSTREAM_FAILED', `${PROVIDER} returned a forecast without days.`);
  }
  return {
    kind: 'forecast',
    provider: 'weatherapi',
    location,
    days: forecastDays.slice(0, request.days).map((entry) => readForecastDay(readObject(entry))),
  };
}

// Error body: {"error":{"code":1006,"message":"No matching location found."}}. Messages never include the key.
function weatherApiError(response: HttpResponse, location: string): ToolError {
  const error = readObject(readObject(parseBodyLoosely(response))['error']);
  const code = readNumber(error['code']);
  const message = readString(error['message']);
  const detail = code === null ? `HTTP ${response.status}` : `HTTP ${response.status}, error ${code}${message ? `: ${message}` : ''}`;
  if (response.status === 400 && code === 1006) {
    return new ToolError(
      'NOT_FOUND',
      `No location matching "${location}" was found. Try a city with its country ("Paris, France"), a postcode, or coordinates ("48.85,2.35").`,
    );
  }
  if (response.status === 429 || response.status >= 500 || code === 2007) {
    const reason = code === 2007 ? 'its monthly call quota is exhausted' : response.status === 429 ? 'it is rate limiting requests' : 'it is failing';
    return new ToolError('UPSTREAM_UNAVAILABLE', `${PROVIDER} is unavailable right now (${reason}; ${detail}).`);
  }
  if (response.status === 401 || response.status === 403) {
    return new ToolError(
      'UPSTREAM_FAILED',
      `${PROVIDER} refused the weather plugin's API key (${detail}). An operator must check the plugin's apiKey; weather data cannot be fetched until then.`,
    );
  }
  return new ToolError('UPSTREAM_FAILED', `${PROVIDER} rejected the request (${detail}).`);
}

function readLocation(location: Record<string, unknown>): WeatherLocation {
  const name = readString(location['name']);
  if (name === null) throw new ToolError('UPSTREAM_FAILED', `${PROVIDER} returned a response without a location name.`);
  return {
    name,
    region: readString(location['region']),
    country: readString(location['country']),
    latitude: requireNumber(location['lat'], 'location.lat', PROVIDER),
    longitude: requireNumber(location['lon'], 'location.lon', PROVIDER),
    timeZone: readString(location['tz_id']),
  };
}

function readCurrent(current: Record<string, unknown>): CurrentConditions {
  return {
    observedAt: readString(current['last_updated']),
    condition: readString(readObject(current['condition'])['text'])?.trim() ?? 'Conditions not reported',
    temperatureC: requireNumber(current['temp_c'], 'current.temp_c', PROVIDER),
    feelsLikeC: readNumber(current['feelslike_c']),
    humidityPercent: readNumber(current['humidity']),
    windKph: readNumber(current['wind_kph']),
    windDirection: readString(current['wind_dir']),
    pressureMb: readNumber(current['pressure_mb']),
    visibilityKm: readNumber(current['vis_km']),
    uvIndex: readNumber(current['uv']),
    precipitationMm: readNumber(current['precip_mm']),
  };
}

function readForecastDay(entry: Record<string, unknown>): ForecastDay {
  const day = readObject(entry['day']);
  const date = readString(entry['date']);
  if (date === null) throw new ToolError('UPSTREAM_FAILED', `${PROVIDER} returned a forecast day without a date.`);
  return {
    date,
    condition: readString(readObject(day['condition'])['text'])?.trim() ?? 'Conditions not reported',
    minTemperatureC: requireNumber(day['mintemp_c'], 'day.mintemp_c', PROVIDER),
    maxTemperatureC: requireNumber(day['maxtemp_c'], 'day.maxtemp_c', PROVIDER),
    averageTemperatureC: readNumber(day['avgtemp_c']),
    maxWindKph: readNumber(day['maxwind_kph']),
    precipitationMm: readNumber(day['totalprecip_mm']),
    chanceOfRainPercent: readNumber(day['daily_chance_of_rain']),
    humidityPercent: readNumber(day['avghumidity']),
    uvIndex: readNumber(day['uv']),
  };
}
