import { ToolError, type HttpResponse, type ToolContext } from '@acai/plugin-sdk';
import {
  compassDirection,
  parseBody,
  parseBodyLoosely,
  readNumber,
  readObject,
  readString,
  requireNumber,
} from './payload-readers.js';
import { describeWmoCode } from './wmo-weather-codes.js';
import type { WeatherConfig } from './weather-config.js';
import type { ForecastDay, WeatherLocation, WeatherReport } from './weather-report.js';
import { parseCoordinates, type WeatherRequest } from './weather-request.js';

const PROVIDER = 'Open-Meteo';
const CURRENT_VARIABLES = [
  'temperature_2m',
  'relative_humidity_2m',
  'apparent_temperature',
  'precipitation',
  'weather_code',
  'pressure_msl',
  'wind_speed_10m',
  'wind_direction_10m',
] as const;
const DAILY_VARIABLES = [
  'weather_code',
  'temperature_2m_max',
  'temperature_2m_min',
  'temperature_2m_mean',
  'precipitation_sum',
  'precipitation_probability_max',
  'wind_speed_10m_max',
  'uv_index_max',
] as const;

/** Geocodes the location (unless it is `lat,lon`) and fetches the forecast from Open-Meteo. */
export async function fetchFromOpenMeteo(
  request: WeatherRequest,
  config: Readonly<WeatherConfig>,
  context: ToolContext<unknown>,
): Promise<WeatherReport> {
  const location = await geocode(request.location, config, context);
  const url = new URL(config.openMeteoForecastUrl);
  const query = new URLSearchParams({
    latitude: String(location.latitude),
    longitude: String(location.longitude),
  });
  if (request.kind === 'current') query.set('current', CURRENT_VARIABLES.join(','));
  else {
    query.set('daily', DAILY_VARIABLES.join(','));
    query.set('forecast_days', String(request.days));
  }
  query.set('timezone', 'auto');
  query.set('temperature_unit', 'celsius');
  query.set('wind_speed_unit', 'kmh');
  query.set('precipitation_unit', 'mm');
  url.search = query.toString();

  const response = await context.http.fetch(url, { timeoutMs: config.requestTimeoutMs, headers: { accept: 'application/json' } });
  if (!response.ok) throw openMeteoError(response);
  const body = parseBody(response, PROVIDER);
  const resolved = { ...location, timeZone: location.timeZone ?? readString(body['timezone']) };
  return request.kind === 'current' ? readCurrent(body, resolved) : readForecast(body, resolved, request.days);
}

interface GeocodingResult {
  readonly name: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly country: string | null;
  readonly countryCode: string | null;
  readonly admin1: string | null;
  readonly timeZone: string | null;
}

async function geocode(location: string, config: Readonly<WeatherConfig>, context: ToolContext<unknown>): Promise<WeatherLocation> {
  const coordinates = parseCoordinates(location);
  if (coordinates) {
    return { name: `${coordinates.latitude}, ${coordinates.longitude}`, region: null, country: null, ...coordinates, timeZone: null };
  }
  let results = await search(location, config, context);
  const comma = location.indexOf(',');
  if (results.length === 0 && comma > 0) {
    // The API matches "<place>, <qualifier>" only when the qualifier is spelled exactly; retry with the place alone
    // and keep results whose country, country code or first-level region matches the qualifier.
    const qualifier = fold(location.slice(comma + 1));
    const candidates = await search(location.slice(0, comma).trim(), config, context);
    results = candidates.filter((result) =>
      [result.country, result.countryCode, result.admin1].some((value) => value !== null && fold(value) === qualifier),
    );
  }
  const best = results.find((result) => result.name !== null && result.latitude !== null && result.longitude !== null);
  if (!best || best.name === null || best.latitude === null || best.longitude === null) {
    throw new ToolError(
      'NOT_FOUND',
      `No location matching "${location}" was found. Try the city name alone ("Paris"), with its country ("Paris, France"), or coordinates ("48.85,2.35").`,
    );
  }
  return {
    name: best.name,
    region: best.admin1,
    country: best.country,
    latitude: best.latitude,
    longitude: best.longitude,
    timeZone: best.timeZone,
  };
}

async function search(name: string, config: Readonly<WeatherConfig>, context: ToolContext<unknown>): Promise<GeocodingResult[]> {
  const url = new URL(config.openMeteoGeocodingUrl);
  url.search = new URLSearchParams({ name, count: '10', language: 'en', format: 'json' }).toString();
  const response = await context.http.fetch(url, { timeoutMs: config.requestTimeoutMs, headers: { accept: 'application/json' } });
  if (!response.ok) throw openMeteoError(response);
  // No match: the "results" key is absent ({"generationtime_ms":0.46}).
  const results = parseBody(response, PROVIDER)['results'];
  if (!Array.isArray(results)) return [];
  return results.map((entry) => {
    const result = readObject(entry);
    return {
      name: readString(result['name']),
      latitude: readNumber(result['latitude']),
      longitude: readNumber(result['longitude']),
      country: readString(result['country']),
      countryCode: readString(result['country_code']),
      admin1: readString(result['admin1']),
      timeZone: readString(result['timezone']),
    };
  });
}

// Every Open-Meteo error is {"error":true,"reason":"…"}: 400 for bad requests, 429 over the limits.
function openMeteoError(response: HttpResponse): ToolError {
  const reason = readString(readObject(parseBodyLoosely(response))['reason']);
  const detail = `HTTP ${response.status}${reason ? `: ${reason}` : ''}`;
  if (response.status === 429 || response.status >= 500) {
    return new ToolError('UPSTREAM_UNAVAILABLE', `${PROVIDER} is unavailable right now (${detail}).`);
  }
  return new ToolError('UPSTREAM_FAILED', `${PROVIDER} rejected the request (${detail}).`);
}

function readCurrent(body: Record<string, unknown>, location: WeatherLocation): WeatherReport {
  const current = readObject(body['current']);
  const time = readString(current['time']);
  return {
    kind: 'current',
    provider: 'open-meteo',
    location,
    current: {
      observedAt: time === null ? null : time.replace('T', ' '),
      condition: describeWmoCode(readNumber(current['weather_code'])),
      temperatureC: requireNumber(current['temperature_2m'], 'current.temperature_2m', PROVIDER),
      feelsLikeC: readNumber(current['apparent_temperature']),
      humidityPercent: readNumber(current['relative_humidity_2m']),
      windKph: readNumber(current['wind_speed_10m']),
      windDirection: compassDirection(readNumber(current['wind_direction_10m'])),
      pressureMb: readNumber(current['pressure_msl']),
      visibilityKm: null,
      uvIndex: null,
      precipitationMm: readNumber(current['precipitation']),
    },
  };
}

function readForecast(body: Record<string, unknown>, location: WeatherLocation, dayCount: number): WeatherReport {
  const daily = readObject(body['daily']);
  const times = daily['time'];
  if (!Array.isArray(times) || times.length === 0) {
    throw new ToolError('UPSTREAM_FAILED', `${PROVIDER} returned a forecast without days.`);
  }
  const column = (name: string, index: number): unknown => {
    const values = daily[name];
    return Array.isArray(values) ? values[index] : undefined;
  };
  const days: ForecastDay[] = times.slice(0, dayCount).map((time, index) => {
    const date = readString(time);
    if (date === null) throw new ToolError('UPSTREAM_FAILED', `${PROVIDER} returned a forecast day without a date.`);
    return {
      date,
      condition: describeWmoCode(readNumber(column('weather_code', index))),
      minTemperatureC: requireNumber(column('temperature_2m_min', index), `daily.temperature_2m_min[${index}]`, PROVIDER),
      maxTemperatureC: requireNumber(column('temperature_2m_max', index), `daily.temperature_2m_max[${index}]`, PROVIDER),
      averageTemperatureC: readNumber(column('temperature_2m_mean', index)),
      maxWindKph: readNumber(column('wind_speed_10m_max', index)),
      precipitationMm: readNumber(column('precipitation_sum', index)),
      chanceOfRainPercent: readNumber(column('precipitation_probability_max', index)),
      humidityPercent: null,
      uvIndex: readNumber(column('uv_index_max', index)),
    };
  });
  return { kind: 'forecast', provider: 'open-meteo', location, days };
}

// Case- and diacritic-insensitive comparison key ("São Paulo" → "sao paulo").
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').trim().toLowerCase();
}
