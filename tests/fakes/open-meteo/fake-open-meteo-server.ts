import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A local stand-in for Open-Meteo (external-apis.md §3): the geocoding search (GET /v1/search) and the forecast
// (GET /v1/forecast) on one server. Both answer with the real shapes: geocoding omits empty fields and drops the
// `results` key when nothing matches; the forecast returns exactly the requested `current`/`daily` variables with
// their units, local times without offset, and `{"error":true,"reason":…}` with HTTP 400 (429 over limits).

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as T;

type Json = Record<string, unknown>;
interface Place extends Json {
  readonly name: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly country?: string;
  readonly admin1?: string;
  readonly timezone?: string;
  readonly population?: number;
  readonly elevation?: number;
}
interface VariableFixtures {
  readonly current: Record<string, { unit: string; value: number | null }>;
  readonly daily: Record<string, { unit: string; values: (number | null)[] | null }>;
}

const PLACES = fixture<Place[]>('geocoding-places.json');
const VARIABLES = fixture<VariableFixtures>('forecast-variables.json');
const CONTENT_TYPE = 'application/json; charset=utf-8';

/** A request the fake received. */
export interface RecordedOpenMeteoRequest {
  readonly method: string;
  /** `/v1/search` or `/v1/forecast`. */
  readonly path: string;
  /** The request target exactly as sent (path and encoded query). */
  readonly rawUrl: string;
  /** Decoded query parameters (first value of each). */
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** How the fake misbehaves. */
export type FakeFailure =
  | { readonly type: 'status'; readonly status: number; readonly body?: unknown; readonly contentType?: string }
  | { readonly type: 'reset' }
  | { readonly type: 'hang' }
  | { readonly type: 'delay'; readonly delayMs: number };

/** Options for {@link startFakeOpenMeteo}. */
export interface FakeOpenMeteoOptions {
  /** The fake's "now": current conditions and the first forecast day follow it (default 2026-03-01T10:00:00Z). */
  readonly now?: string;
}

/** A running fake. */
export interface FakeOpenMeteo {
  /** Geocoding search endpoint to configure (`http://127.0.0.1:<port>/v1/search`). */
  readonly geocodingUrl: string;
  /** Forecast endpoint to configure (`http://127.0.0.1:<port>/v1/forecast`). */
  readonly forecastUrl: string;
  readonly requests: RecordedOpenMeteoRequest[];
  /** Misbehave for the next `times` requests (geocoding and forecast alike). */
  failNext(failure: FakeFailure, times?: number): void;
  failAlways(failure: FakeFailure): void;
  recover(): void;
  close(): Promise<void>;
}

/** The 429 Open-Meteo sends over its per-minute limit. */
export const OPEN_METEO_RATE_LIMITED: FakeFailure = {
  type: 'status',
  status: 429,
  body: { error: true, reason: 'Minutely API request limit exceeded. Please try again in one minute.' },
};

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeOpenMeteo(options: FakeOpenMeteoOptions = {}): Promise<FakeOpenMeteo> {
  const nowMs = Date.parse(options.now ?? '2026-03-01T10:00:00Z');
  const requests: RecordedOpenMeteoRequest[] = [];
  const queued: FakeFailure[] = [];
  let persistent: FakeFailure | undefined;
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) if (!(name in query)) query[name] = value;
    requests.push({ method: request.method ?? 'GET', path: url.pathname, rawUrl: request.url ?? '/', query, headers: request.headers });
    void handle(request, response, url, queued.shift() ?? persistent);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse, url: URL, failure: FakeFailure | undefined): Promise<void> {
    if (failure?.type === 'reset') {
      request.socket.destroy();
      return;
    }
    if (failure?.type === 'hang') return;
    if (failure?.type === 'delay') await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
    if (failure?.type === 'status') {
      const isText = typeof failure.body === 'string';
      send(response, failure.status, isText ? failure.body : JSON.stringify(failure.body ?? {}), failure.contentType ?? (isText ? 'text/html' : CONTENT_TYPE));
      return;
    }
    const answer =
      url.pathname === '/v1/search' ? searchAnswer(url) : url.pathname === '/v1/forecast' ? forecastAnswer(url, nowMs) : notFound();
    send(response, answer.status, JSON.stringify(answer.body), CONTENT_TYPE);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    geocodingUrl: `http://127.0.0.1:${port}/v1/search`,
    forecastUrl: `http://127.0.0.1:${port}/v1/forecast`,
    requests,
    failNext(failure, times = 1) {
      for (let index = 0; index < times; index += 1) queued.push(failure);
    },
    failAlways(failure) {
      persistent = failure;
    },
    recover() {
      queued.length = 0;
      persistent = undefined;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(response: ServerResponse, status: number, body: string, contentType: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function failure(reason: string, status = 400): { status: number; body: unknown } {
  return { status, body: { error: true, reason } };
}

function notFound(): { status: number; body: unknown } {
  return failure('Not Found', 404);
}

// "São Paulo" → "sao paulo", as the real search folds case and diacritics.
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').trim().toLowerCase();
}

function searchAnswer(url: URL): { status: number; body: unknown } {
  const countText = url.searchParams.get('count') ?? '10';
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1 || count > 100) return failure('Parameter count must be between 1 and 100.');
  const format = url.searchParams.get('format') ?? 'json';
  if (format !== 'json') return failure(`Unsupported format "${format}" in this fake; only json is implemented.`);
  const raw = url.searchParams.get('name') ?? '';
  // "<location>[, <country or admin1>]": the qualifier must match exactly.
  const [placePart = '', ...qualifierParts] = raw.split(',');
  const place = fold(placePart);
  const qualifier = qualifierParts.length > 0 ? fold(qualifierParts.join(',')) : undefined;
  const countryCode = url.searchParams.get('countryCode')?.toUpperCase();
  const matches =
    place.length < 2
      ? []
      : PLACES.filter((candidate) => {
          const name = fold(candidate.name);
          const nameMatches = place.length === 2 ? name === place : name.startsWith(place);
          const qualifierMatches =
            qualifier === undefined || [candidate.country, candidate.admin1].some((value) => value !== undefined && fold(value) === qualifier);
          const countryMatches = countryCode === undefined || candidate['country_code'] === countryCode;
          return nameMatches && qualifierMatches && countryMatches;
        });
  const sorted = [...matches].sort((left, right) => (right.population ?? 0) - (left.population ?? 0)).slice(0, count);
  return { status: 200, body: sorted.length === 0 ? { generationtime_ms: 0.46 } : { results: sorted, generationtime_ms: 0.5 } };
}

function forecastAnswer(url: URL, nowMs: number): { status: number; body: unknown } {
  const latitudeText = url.searchParams.get('latitude');
  const longitudeText = url.searchParams.get('longitude');
  if (latitudeText === null) return failure("Value of type 'Float' required for key 'latitude'.");
  if (longitudeText === null) return failure("Value of type 'Float' required for key 'longitude'.");
  const latitude = Number(latitudeText);
  const longitude = Number(longitudeText);
  if (!Number.isFinite(latitude) || Math.abs(latitude) > 90) return failure(`Latitude must be in range of -90 to 90°. Given: ${latitudeText}.`);
  if (!Number.isFinite(longitude) || Math.abs(longitude) > 180) return failure(`Longitude must be in range of -180 to 180°. Given: ${longitudeText}.`);
  const forecastDays = Number(url.searchParams.get('forecast_days') ?? '7');
  if (!Number.isInteger(forecastDays) || forecastDays < 0 || forecastDays > 16) return failure('Forecast days is invalid. Allowed range 0 to 16.');
  for (const [parameter, allowed] of [
    ['temperature_unit', ['celsius', 'fahrenheit']],
    ['wind_speed_unit', ['kmh', 'ms', 'mph', 'kn']],
    ['precipitation_unit', ['mm', 'inch']],
  ] as const) {
    const value = url.searchParams.get(parameter);
    if (value !== null && !(allowed as readonly string[]).includes(value)) {
      return failure(`Cannot initialize ${parameter === 'temperature_unit' ? 'TemperatureUnit' : parameter === 'wind_speed_unit' ? 'WindspeedUnit' : 'PrecipitationUnit'} from invalid String value ${value} for key ${parameter}`);
    }
  }
  const currentNames = listParameter(url, 'current');
  const dailyNames = listParameter(url, 'daily');
  for (const name of currentNames) {
    if (!(name in VARIABLES.current)) return failure(`Cannot initialize WeatherVariable from invalid String value ${name} for key current`);
  }
  for (const name of dailyNames) {
    if (!(name in VARIABLES.daily)) return failure(`Cannot initialize DailyWeatherVariable from invalid String value ${name} for key daily`);
  }
  const requestedZone = url.searchParams.get('timezone') ?? 'GMT';
  const timeZone = requestedZone === 'auto' ? nearestPlace(latitude, longitude)?.timezone ?? 'GMT' : requestedZone;
  let offsetSeconds: number;
  try {
    offsetSeconds = offsetSecondsAt(nowMs, timeZone);
  } catch {
    return failure(`Invalid timezone: ${requestedZone}`);
  }
  const localNow = new Date(nowMs + offsetSeconds * 1000).toISOString();
  const body: Json = {
    latitude: Math.round(latitude * 50) / 50 + 0.000002,
    longitude: Math.round(longitude * 50) / 50 - 0.000002,
    generationtime_ms: 0.09,
    utc_offset_seconds: offsetSeconds,
    timezone: timeZone,
    timezone_abbreviation: abbreviation(offsetSeconds),
    elevation: nearestPlace(latitude, longitude)?.elevation ?? 38.0,
  };
  if (currentNames.length > 0) {
    const minutes = Math.floor(Number(localNow.slice(14, 16)) / 15) * 15;
    const units: Json = { time: 'iso8601', interval: 'seconds' };
    const values: Json = { time: `${localNow.slice(0, 13)}:${String(minutes).padStart(2, '0')}`, interval: 900 };
    for (const name of currentNames) {
      const variable = VARIABLES.current[name]!;
      units[name] = variable.unit;
      values[name] = variable.value;
    }
    body['current_units'] = units;
    body['current'] = values;
  }
  if (dailyNames.length > 0) {
    const startMs = Date.parse(`${localNow.slice(0, 10)}T00:00:00Z`);
    const dates = Array.from({ length: forecastDays }, (_, index) => new Date(startMs + index * 86_400_000).toISOString().slice(0, 10));
    const units: Json = { time: 'iso8601' };
    const values: Json = { time: dates };
    for (const name of dailyNames) {
      const variable = VARIABLES.daily[name]!;
      units[name] = variable.unit;
      values[name] = variable.values === null
        ? dates.map((date) => `${date}T${name === 'sunrise' ? '06:45' : '17:45'}`)
        : variable.values.slice(0, forecastDays);
    }
    body['daily_units'] = units;
    body['daily'] = values;
  }
  return { status: 200, body };
}

function listParameter(url: URL, name: string): string[] {
  return url.searchParams
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

function nearestPlace(latitude: number, longitude: number): Place | undefined {
  return PLACES.find((place) => Math.abs(place.latitude - latitude) < 1 && Math.abs(place.longitude - longitude) < 1);
}

function offsetSecondsAt(epochMs: number, timeZone: string): number {
  const zone = timeZone === 'GMT' ? 'UTC' : timeZone;
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(epochMs)
    .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60;
  return match[1] === '-' ? -seconds : seconds;
}

function abbreviation(offsetSeconds: number): string {
  if (offsetSeconds === 0) return 'GMT';
  const hours = offsetSeconds / 3600;
  return `GMT${hours > 0 ? '+' : ''}${Number.isInteger(hours) ? hours : hours.toFixed(1)}`;
}
