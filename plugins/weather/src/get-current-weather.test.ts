import { fileURLToPath } from 'node:url';
import { createHarness, type Harness } from '@acai/plugin-sdk/testing';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '@acai/tests/fakes/open-meteo';
import { startFakeWeatherApi, weatherApiError, type FakeWeatherApi } from '@acai/tests/fakes/weatherapi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

const packageJson = fileURLToPath(new URL('../package.json', import.meta.url));
const harnessOptions = { packageJson, now: '2026-03-01T10:00:00Z', timeZone: 'Europe/Madrid', http: { allowHosts: ['127.0.0.1'] } };

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

async function weatherApiHarness(apiKey = weatherApi.apiKey): Promise<Harness> {
  const harness = await createHarness(plugin, {
    ...harnessOptions,
    config: { provider: 'weatherapi', apiKey, weatherApiBaseUrl: weatherApi.baseUrl },
  });
  harnesses.push(harness);
  return harness;
}

async function openMeteoHarness(): Promise<Harness> {
  const harness = await createHarness(plugin, {
    ...harnessOptions,
    config: { openMeteoGeocodingUrl: openMeteo.geocodingUrl, openMeteoForecastUrl: openMeteo.forecastUrl },
  });
  harnesses.push(harness);
  return harness;
}

describe('get_current_weather with WeatherAPI.com', () => {
  it('reports current conditions in the old service format with the provider values', async () => {
    const harness = await weatherApiHarness();
    const result = await harness.call('get_current_weather', { location: 'London' });
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.content).toBe(
      'Current weather in London, City of London, Greater London, United Kingdom: partly cloudy, 9.2°C (feels like 6.9°C). ' +
        'Humidity: 81%, Wind: 15.1 km/h SW, Precipitation: 0.0 mm, Pressure: 1012 mb, Visibility: 10.0 km, UV Index: 0.8. ' +
        'Last updated: 2026-03-01 10:00 (local time). Source: WeatherAPI.com.',
    );
    expect(result.data).toMatchObject({
      kind: 'current',
      provider: 'weatherapi',
      source: 'live',
      isStale: false,
      location: { name: 'London', country: 'United Kingdom', latitude: 51.5171, longitude: -0.1062, timeZone: 'Europe/London' },
      current: { temperatureC: 9.2, humidityPercent: 81, windDirection: 'SW' },
    });
  });

  it('accepts a base URL written with trailing slashes', async () => {
    const harness = await createHarness(plugin, { ...harnessOptions, config: { provider: 'weatherapi', apiKey: weatherApi.apiKey, weatherApiBaseUrl: `${weatherApi.baseUrl}//` } });
    harnesses.push(harness);
    expect(await harness.call('get_current_weather', { location: 'London' })).toMatchObject({ ok: true });
    expect(weatherApi.requests[0]).toMatchObject({ path: '/v1/current.json' });
  });

  it('calls current.json over the configured base URL with the key, the query and aqi=no', async () => {
    const harness = await weatherApiHarness();
    await harness.call('get_current_weather', { location: 'London' });
    expect(weatherApi.requests).toHaveLength(1);
    expect(weatherApi.requests[0]).toMatchObject({
      method: 'GET',
      path: '/v1/current.json',
      query: { key: weatherApi.apiKey, q: 'London', aqi: 'no' },
    });
  });

  it('URL-encodes the location so it cannot inject query parameters', async () => {
    const harness = await weatherApiHarness();
    const result = await harness.call('get_current_weather', { location: 'São Paulo & x=1' });
    const request = weatherApi.requests[0]!;
    expect(request.rawUrl).toContain('q=S%C3%A3o+Paulo+%26+x%3D1');
    expect(request.query['q']).toBe('São Paulo & x=1');
    expect(request.query).not.toHaveProperty('x');
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('returns non-ASCII place names intact', async () => {
    const harness = await weatherApiHarness();
    const result = await harness.call('get_current_weather', { location: 'São Paulo' });
    expect(result.ok && result.content).toContain('Current weather in São Paulo, Sao Paulo, Brazil:');
  });

  it('answers NOT_FOUND for an unknown location (400 / 1006)', async () => {
    const harness = await weatherApiHarness();
    const result = await harness.call('get_current_weather', { location: 'Atlantis' });
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    if (!result.ok) expect(result.error.message).toContain('No location matching "Atlantis"');
  });

  it('reports a rejected key as UPSTREAM_FAILED for operators without revealing the key', async () => {
    const harness = await weatherApiHarness('wrong-key-3f9a7c');
    const result = await harness.call('get_current_weather', { location: 'London' });
    expect(weatherApi.requests[0]?.query['key']).toBe('wrong-key-3f9a7c');
    expect(result).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED' } });
    if (result.ok) return;
    expect(result.error.message).toContain('error 2006');
    expect(result.error.message).toContain("check the plugin's apiKey");
    // Not even a scrubbed trace: the plugin itself never puts the key (or the URL carrying it) in a message.
    expect(JSON.stringify(result)).not.toMatch(/wrong-key-3f9a7c|\[REDACTED\]/);
    expect(JSON.stringify(harness.logs)).not.toMatch(/wrong-key-3f9a7c|\[REDACTED\]/);
  });

  it('treats a disabled key (403 / 2008) as UPSTREAM_FAILED', async () => {
    const harness = await weatherApiHarness();
    weatherApi.failNext(weatherApiError(2008));
    const result = await harness.call('get_current_weather', { location: 'London' });
    expect(result).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED' } });
  });

  it('sends the key but never shows it in results, data or logs', async () => {
    const harness = await weatherApiHarness();
    const result = await harness.call('get_current_weather', { location: 'London' });
    expect(weatherApi.requests[0]?.query['key']).toBe(weatherApi.apiKey);
    expect(JSON.stringify(result)).not.toMatch(new RegExp(`${weatherApi.apiKey}|\\[REDACTED\\]`));
    expect(JSON.stringify(harness.logs)).not.toMatch(new RegExp(`${weatherApi.apiKey}|\\[REDACTED\\]`));
  });

  it('refuses a configuration that selects WeatherAPI.com without a key', async () => {
    await expect(createHarness(plugin, { ...harnessOptions, config: { provider: 'weatherapi' } })).rejects.toThrow(/apiKey/);
  });

  it('refuses a plain-HTTP base URL for a non-loopback host', async () => {
    await expect(
      createHarness(plugin, {
        ...harnessOptions,
        config: { provider: 'weatherapi', apiKey: 'k', weatherApiBaseUrl: 'http://api.weatherapi.com/v1' },
      }),
    ).rejects.toThrow(/weatherApiBaseUrl/);
  });
});

describe('get_current_weather with Open-Meteo', () => {
  it('geocodes the name, then reads the requested current variables and describes the WMO code', async () => {
    const harness = await openMeteoHarness();
    const result = await harness.call('get_current_weather', { location: 'Berlin' });
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.content).toBe(
      'Current weather in Berlin, Land Berlin, Germany: overcast, 8.4°C (feels like 5.9°C). ' +
        'Humidity: 76%, Wind: 14.8 km/h WSW, Precipitation: 0.1 mm, Pressure: 1018 mb. ' +
        'Last updated: 2026-03-01 11:00 (local time). Source: Open-Meteo.',
    );
    const [search, forecast] = openMeteo.requests;
    expect(search).toMatchObject({ path: '/v1/search', query: { name: 'Berlin', count: '10', language: 'en', format: 'json' } });
    expect(forecast).toMatchObject({ path: '/v1/forecast', query: { latitude: '52.52437', longitude: '13.41053', timezone: 'auto' } });
    expect(forecast?.query['current']?.split(',')).toContain('weather_code');
  });

  it('skips geocoding for decimal coordinates', async () => {
    const harness = await openMeteoHarness();
    const result = await harness.call('get_current_weather', { location: '48.85, 2.35' });
    expect(result.ok).toBe(true);
    expect(openMeteo.requests.map((request) => request.path)).toEqual(['/v1/forecast']);
    expect(openMeteo.requests[0]?.query).toMatchObject({ latitude: '48.85', longitude: '2.35' });
  });

  it('answers NOT_FOUND when geocoding returns no results key', async () => {
    const harness = await openMeteoHarness();
    const result = await harness.call('get_current_weather', { location: 'Atlantis' });
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(openMeteo.requests.map((request) => request.path)).toEqual(['/v1/search']);
  });

  it('URL-encodes the location in the geocoding request', async () => {
    const harness = await openMeteoHarness();
    await harness.call('get_current_weather', { location: 'São Paulo & x=1' });
    const request = openMeteo.requests[0]!;
    expect(request.rawUrl).toContain('name=S%C3%A3o+Paulo+%26+x%3D1');
    expect(request.query['name']).toBe('São Paulo & x=1');
    expect(request.query).not.toHaveProperty('x');
  });

  it('resolves "city, country" by retrying with the city and filtering on the country', async () => {
    const harness = await openMeteoHarness();
    const result = await harness.call('get_current_weather', { location: 'Paris, US' });
    expect(result.ok && result.content).toContain('Current weather in Paris, Texas, United States:');
    const searches = openMeteo.requests.filter((request) => request.path === '/v1/search');
    expect(searches.map((request) => request.query['name'])).toEqual(['Paris, US', 'Paris']);
  });

  it('maps an Open-Meteo 400 to UPSTREAM_FAILED with its reason', async () => {
    const harness = await openMeteoHarness();
    openMeteo.failNext({ type: 'status', status: 400, body: { error: true, reason: 'Latitude must be in range of -90 to 90°. Given: 95.0.' } });
    const result = await harness.call('get_current_weather', { location: 'Berlin' });
    expect(result).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED' } });
    if (!result.ok) expect(result.error.message).toContain('Latitude must be in range');
  });
});

describe('get_current_weather input checks', () => {
  it('rejects a blank location and out-of-range coordinates without calling the provider', async () => {
    const harness = await openMeteoHarness();
    expect(await harness.call('get_current_weather', { location: '   ' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await harness.call('get_current_weather', { location: '95.1,10' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(openMeteo.requests).toHaveLength(0);
  });

  it('rejects arguments that do not match the schema', async () => {
    const harness = await openMeteoHarness();
    expect(await harness.call('get_current_weather', {})).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await harness.call('get_current_weather', { location: 'Berlin', extra: 1 })).toMatchObject({ ok: false });
    expect(openMeteo.requests).toHaveLength(0);
  });
});
