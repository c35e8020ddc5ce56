import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A local stand-in for WeatherAPI.com (external-apis.md §2): GET /v1/current.json and /v1/forecast.json with the
// real query parameters, response shapes, error bodies ({"error":{"code","message"}}) and statuses. It records every
// request so tests can assert on what the client sent (encoding, key), and can be told to fail, hang or slow down.

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as T;

type Json = Record<string, unknown>;
interface KnownLocation {
  readonly aliases: readonly string[];
  readonly location: Json;
}
interface ErrorFixture {
  readonly status: number;
  readonly body: { error: { code: number; message: string } };
}

const CURRENT = fixture<{ location: Json; current: Json }>('current-london.json');
const FORECAST = fixture<{ location: Json; current: Json; forecast: { forecastday: Json[] } }>('forecast-london.json');
const LOCATIONS = fixture<KnownLocation[]>('locations.json');
const ERRORS = fixture<Record<string, ErrorFixture>>('errors.json');
const MAX_DAYS = 14;

/** A request the fake received. */
export interface RecordedWeatherApiRequest {
  readonly method: string;
  /** Path without the query, e.g. `/v1/current.json`. */
  readonly path: string;
  /** The request target exactly as sent (path and encoded query). */
  readonly rawUrl: string;
  /** Decoded query parameters (first value of each). */
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** How the fake misbehaves. */
export type FakeFailure =
  /** Answer with this status and body (JSON unless a string); `contentType` overrides the header. */
  | { readonly type: 'status'; readonly status: number; readonly body?: unknown; readonly contentType?: string }
  /** Drop the connection without answering. */
  | { readonly type: 'reset' }
  /** Never answer (until the client gives up or the fake closes). */
  | { readonly type: 'hang' }
  /** Answer normally, after a delay. */
  | { readonly type: 'delay'; readonly delayMs: number };

/** Options for {@link startFakeWeatherApi}. */
export interface FakeWeatherApiOptions {
  /** The only key the fake accepts (default `test-weatherapi-key`). */
  readonly apiKey?: string;
}

/** A running fake. */
export interface FakeWeatherApi {
  /** Base URL to configure (`http://127.0.0.1:<port>/v1`). */
  readonly baseUrl: string;
  /** The accepted API key. */
  readonly apiKey: string;
  /** Every request, in order. */
  readonly requests: RecordedWeatherApiRequest[];
  /** Misbehave for the next `times` requests. */
  failNext(failure: FakeFailure, times?: number): void;
  /** Misbehave on every request until {@link recover}. */
  failAlways(failure: FakeFailure): void;
  /** Answer normally again. */
  recover(): void;
  close(): Promise<void>;
}

/** A WeatherAPI.com error answer by its documented code (1002, 1003, 1005, 1006, 2006, 2007, 2008, 9999). */
export function weatherApiError(code: 1002 | 1003 | 1005 | 1006 | 2006 | 2007 | 2008 | 9999): FakeFailure {
  const entry = ERRORS[String(code)];
  if (!entry) throw new Error(`no fixture for WeatherAPI error ${code}`);
  return { type: 'status', status: entry.status, body: entry.body };
}

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeWeatherApi(options: FakeWeatherApiOptions = {}): Promise<FakeWeatherApi> {
  const apiKey = options.apiKey ?? 'test-weatherapi-key';
  const requests: RecordedWeatherApiRequest[] = [];
  const queued: FakeFailure[] = [];
  let persistent: FakeFailure | undefined;
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) if (!(name in query)) query[name] = value;
    requests.push({ method: request.method ?? 'GET', path: url.pathname, rawUrl: request.url ?? '/', query, headers: request.headers });
    const failure = queued.shift() ?? persistent;
    void handle(request, response, url, failure);
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
      send(response, failure.status, isText ? failure.body : JSON.stringify(failure.body ?? {}), failure.contentType ?? (isText ? 'text/html' : 'application/json'));
      return;
    }
    const answer = answerFor(url, apiKey);
    send(response, answer.status, JSON.stringify(answer.body), 'application/json');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey,
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

function errorAnswer(code: number): { status: number; body: unknown } {
  const entry = ERRORS[String(code)];
  return entry ? { status: entry.status, body: entry.body } : { status: 400, body: { error: { code, message: 'Unknown error' } } };
}

function answerFor(url: URL, apiKey: string): { status: number; body: unknown } {
  const method = /^\/v1\/(current|forecast)\.json$/.exec(url.pathname)?.[1];
  const key = url.searchParams.get('key');
  if (!key) return errorAnswer(1002);
  if (key !== apiKey) return errorAnswer(2006);
  if (method === undefined) return errorAnswer(1005);
  const q = url.searchParams.get('q');
  if (!q || q.trim() === '') return errorAnswer(1003);
  const normalized = q.trim().toLowerCase();
  const known = LOCATIONS.find((candidate) => candidate.aliases.includes(normalized));
  if (!known) return errorAnswer(1006);

  const current: Json = { ...CURRENT.current };
  if (url.searchParams.get('aqi') === 'yes') {
    current['air_quality'] = { co: 223.6, no2: 18.5, o3: 52.9, so2: 3.1, pm2_5: 6.4, pm10: 8.9, 'us-epa-index': 1, 'gb-defra-index': 1 };
  }
  if (method === 'current') return { status: 200, body: { location: known.location, current } };

  const requestedDays = Number.parseInt(url.searchParams.get('days') ?? '1', 10);
  const days = Number.isNaN(requestedDays) ? 1 : Math.min(Math.max(requestedDays, 1), MAX_DAYS);
  const template = FORECAST.forecast.forecastday;
  const forecastday = Array.from({ length: days }, (_, index) => shiftDay(template[index % template.length]!, index));
  const body: Json = { location: known.location, current, forecast: { forecastday } };
  if (url.searchParams.get('alerts') === 'yes') body['alerts'] = { alert: [] };
  return { status: 200, body };
}

// Days past the fixture's last one reuse its values with the date moved on.
function shiftDay(day: Json, index: number): Json {
  const first = FORECAST.forecast.forecastday[0]!;
  const startEpoch = Number(first['date_epoch']);
  const epoch = startEpoch + index * 86_400;
  const date = new Date(epoch * 1000).toISOString().slice(0, 10);
  if (day['date'] === date) return day;
  const dayShift = epoch - Number(day['date_epoch']);
  const hours = (day['hour'] as Json[]).map((hour) => ({
    ...hour,
    time_epoch: Number(hour['time_epoch']) + dayShift,
    time: `${date} ${String(hour['time']).slice(11)}`,
  }));
  return { ...day, date, date_epoch: epoch, hour: hours };
}
