import { fileURLToPath } from 'node:url';
import { createHarness, type Harness } from '@acai/plugin-sdk/testing';
import { OPEN_METEO_RATE_LIMITED, startFakeOpenMeteo, type FakeOpenMeteo } from '@acai/tests/fakes/open-meteo';
import { startFakeWeatherApi, weatherApiError, type FakeWeatherApi } from '@acai/tests/fakes/weatherapi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';
import { formatAge, weatherCacheKey } from './lookup-weather.js';

const packageJson = fileURLToPath(new URL('../package.json', import.meta.url));
const harnessOptions = { packageJson, now: '2026-03-01T10:00:00Z', timeZone: 'Europe/Madrid', http: { allowHosts: ['127.0.0.1'] } };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let weatherApi: FakeWeatherApi;
let openMeteo: FakeOpenMeteo;
const harnesses: Harness[] = [];

beforeAll(async () => {
  weatherApi = await startFakeWeatherApi();
  openMeteo = await startFakeOpenMeteo({ now: '2026-03-01T10:00:00Z' });
});
afterAll(async () => {
  await weatherApi.close();
  await openMeteo.close();
});
afterEach(async () => {
  weatherApi.recover();
  openMeteo.recover();
  weatherApi.requests.length = 0;
  openMeteo.requests.length = 0;
  await Promise.all(harnesses.splice(0).map((harness) => harness.dispose()));
});

async function harnessFor(provider: 'weatherapi' | 'open-meteo', extra: Record<string, unknown> = {}): Promise<Harness> {
  const config =
    provider === 'weatherapi'
      ? { provider, apiKey: weatherApi.apiKey, weatherApiBaseUrl: weatherApi.baseUrl, ...extra }
      : { provider, openMeteoGeocodingUrl: openMeteo.geocodingUrl, openMeteoForecastUrl: openMeteo.forecastUrl, ...extra };
  const harness = await createHarness(plugin, { ...harnessOptions, config });
  harnesses.push(harness);
  return harness;
}

describe('weather cache', () => {
  it('answers a repeated query from the cache without a second request', async () => {
    const harness = await harnessFor('weatherapi');
    const first = await harness.call('get_current_weather', { location: 'London' });
    const second = await harness.call('get_current_weather', { location: '  LONDON  ' });
    expect(weatherApi.requests).toHaveLength(1);
    expect(second.ok && second.content).toBe(first.ok && first.content);
    expect(second).toMatchObject({ ok: true, data: { source: 'cache', isStale: false } });
  });

  it('keys entries by kind and day count', async () => {
    const harness = await harnessFor('weatherapi');
    await harness.call('get_current_weather', { location: 'London' });
    await harness.call('get_forecast', { location: 'London', days: 2 });
    await harness.call('get_forecast', { location: 'London', days: 3 });
    await harness.call('get_forecast', { location: 'london', days: 3 });
    expect(weatherApi.requests.map((request) => request.path)).toEqual(['/v1/current.json', '/v1/forecast.json', '/v1/forecast.json']);
  });

  it('asks the provider again once cacheTtlSeconds have passed on the clock', async () => {
    const harness = await harnessFor('open-meteo', { cacheTtlSeconds: 600 });
    await harness.call('get_current_weather', { location: 'Berlin' });
    harness.clock.advance(9 * MINUTE);
    await harness.call('get_current_weather', { location: 'Berlin' });
    expect(openMeteo.requests).toHaveLength(2);
    harness.clock.advance(2 * MINUTE);
    const refreshed = await harness.call('get_current_weather', { location: 'Berlin' });
    expect(openMeteo.requests).toHaveLength(4);
    expect(refreshed).toMatchObject({ ok: true, data: { source: 'live' } });
  });

  it('uses a SHA-256 of the normalised query as the key', () => {
    const key = weatherCacheKey('weatherapi', { kind: 'current', location: ' São   Paulo ', days: 1 });
    expect(key).toMatch(/^report:v1:[0-9a-f]{64}$/);
    expect(key).toBe(weatherCacheKey('weatherapi', { kind: 'current', location: 'são paulo', days: 1 }));
    expect(key).not.toBe(weatherCacheKey('open-meteo', { kind: 'current', location: 'são paulo', days: 1 }));
  });
});

describe('when the provider fails', () => {
  it('serves the last cached report on a 5xx, labelled with its age', async () => {
    const harness = await harnessFor('weatherapi');
    const live = await harness.call('get_current_weather', { location: 'London' });
    harness.clock.advance(2 * HOUR + 5 * MINUTE);
    weatherApi.failNext({ type: 'status', status: 503, body: '<html><body><h1>503 Service Unavailable</h1></body></html>' });
    const stale = await harness.call('get_current_weather', { location: 'London' });
    expect(weatherApi.requests).toHaveLength(2);
    expect(stale).toMatchObject({ ok: true, data: { source: 'stale-cache', isStale: true, ageSeconds: 7500 } });
    expect(stale.ok && stale.content).toBe(`(cached 2 h ago; live data unavailable) ${live.ok && live.content}`);
  });

  it('answers UPSTREAM_UNAVAILABLE on a 5xx with an empty cache', async () => {
    const harness = await harnessFor('weatherapi');
    weatherApi.failNext({ type: 'status', status: 500, body: { error: { code: 9999, message: 'Internal application error.' } } });
    const result = await harness.call('get_current_weather', { location: 'London' });
    expect(result).toMatchObject({ ok: false, error: { code: 'UPSTREAM_UNAVAILABLE' } });
    if (!result.ok) expect(result.error.message).toContain('no recent cached report');
  });

  it('serves stale data when the connection is reset', async () => {
    const harness = await harnessFor('open-meteo');
    await harness.call('get_forecast', { location: 'Berlin', days: 2 });
    harness.clock.advance(HOUR);
    openMeteo.failAlways({ type: 'reset' });
    const result = await harness.call('get_forecast', { location: 'Berlin', days: 2 });
    expect(result).toMatchObject({ ok: true, data: { isStale: true } });
    expect(result.ok && result.content).toMatch(/^\(cached 1 h ago; live data unavailable\) Weather forecast for Berlin/);
  });

  it('serves stale data when Open-Meteo rate limits (429)', async () => {
    const harness = await harnessFor('open-meteo');
    await harness.call('get_current_weather', { location: 'Berlin' });
    harness.clock.advance(30 * MINUTE);
    openMeteo.failAlways(OPEN_METEO_RATE_LIMITED);
    const result = await harness.call('get_current_weather', { location: 'Berlin' });
    expect(result.ok && result.content).toMatch(/^\(cached 30 min ago; live data unavailable\)/);
  });

  it('treats a request timeout as unavailable', async () => {
    const harness = await harnessFor('weatherapi', { requestTimeoutMs: 150 });
    weatherApi.failAlways({ type: 'hang' });
    const result = await harness.call('get_current_weather', { location: 'London' });
    expect(result).toMatchObject({ ok: false, error: { code: 'UPSTREAM_UNAVAILABLE' } });
  });

  it('treats an exhausted monthly quota (403 / 2007) as unavailable, not as a bad key', async () => {
    const harness = await harnessFor('weatherapi');
    await harness.call('get_current_weather', { location: 'London' });
    harness.clock.advance(HOUR);
    weatherApi.failNext(weatherApiError(2007));
    const result = await harness.call('get_current_weather', { location: 'London' });
    expect(result).toMatchObject({ ok: true, data: { isStale: true } });
  });

  it('does not serve stale data for a rejected key or an unknown location', async () => {
    const harness = await harnessFor('weatherapi');
    await harness.call('get_current_weather', { location: 'London' });
    harness.clock.advance(HOUR);
    weatherApi.failNext(weatherApiError(2006));
    expect(await harness.call('get_current_weather', { location: 'London' })).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED' } });
  });

  it('stops serving a cached report after staleTtlSeconds', async () => {
    const harness = await harnessFor('weatherapi', { staleTtlSeconds: 3600 });
    await harness.call('get_current_weather', { location: 'London' });
    harness.clock.advance(2 * HOUR);
    weatherApi.failAlways({ type: 'status', status: 502, body: 'Bad Gateway' });
    expect(await harness.call('get_current_weather', { location: 'London' })).toMatchObject({
      ok: false,
      error: { code: 'UPSTREAM_UNAVAILABLE' },
    });
  });
});

describe('formatAge', () => {
  it.each([
    [30, 'less than a minute'],
    [59 * 60, '59 min'],
    [2 * 3600 + 59 * 60, '2 h'],
    [3 * 86400, '3 d'],
  ])('formats %s seconds as "%s"', (seconds, text) => {
    expect(formatAge(seconds)).toBe(text);
  });
});
