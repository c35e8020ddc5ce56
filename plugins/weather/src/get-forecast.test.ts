import { fileURLToPath } from 'node:url';
import { createHarness, type Harness } from '@acai/plugin-sdk/testing';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '@acai/tests/fakes/open-meteo';
import { startFakeWeatherApi, type FakeWeatherApi } from '@acai/tests/fakes/weatherapi';
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
  weatherApi.requests.length = 0;
  openMeteo.requests.length = 0;
  await Promise.all(harnesses.splice(0).map((harness) => harness.dispose()));
});

async function harnessFor(provider: 'weatherapi' | 'open-meteo'): Promise<Harness> {
  const config =
    provider === 'weatherapi'
      ? { provider, apiKey: weatherApi.apiKey, weatherApiBaseUrl: weatherApi.baseUrl }
      : { provider, openMeteoGeocodingUrl: openMeteo.geocodingUrl, openMeteoForecastUrl: openMeteo.forecastUrl };
  const harness = await createHarness(plugin, { ...harnessOptions, config });
  harnesses.push(harness);
  return harness;
}

describe('get_forecast with WeatherAPI.com', () => {
  it('lists one line per day with the provider values, accepting numeric strings', async () => {
    const harness = await harnessFor('weatherapi');
    const result = await harness.call('get_forecast', { location: 'London', days: 3 });
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.content).toBe(
      [
        'Weather forecast for London, City of London, Greater London, United Kingdom (3 days, source: WeatherAPI.com):',
        '- 2026-03-01: moderate rain, 5.2°C to 11.4°C (avg 8.3°C), Wind: 21.6 km/h, Precip: 6.4 mm, Chance of rain: 81%, Humidity: 82%, UV: 1.6',
        '- 2026-03-02: partly cloudy, 6.0°C to 12.8°C (avg 9.4°C), Wind: 15.8 km/h, Precip: 0.2 mm, Chance of rain: 23%, Humidity: 74%, UV: 2.1',
        '- 2026-03-03: sunny, 4.7°C to 14.1°C (avg 9.4°C), Wind: 11.5 km/h, Precip: 0.0 mm, Chance of rain: 0%, Humidity: 66%, UV: 2.8',
      ].join('\n'),
    );
    expect(weatherApi.requests[0]).toMatchObject({
      path: '/v1/forecast.json',
      query: { key: weatherApi.apiKey, q: 'London', days: '3', aqi: 'no', alerts: 'no' },
    });
    expect(result.data).toMatchObject({ kind: 'forecast', days: [{ date: '2026-03-01' }, { chanceOfRainPercent: 23 }, { date: '2026-03-03' }] });
  });

  it('returns exactly the requested number of days up to 10', async () => {
    const harness = await harnessFor('weatherapi');
    const result = await harness.call('get_forecast', { location: 'London', days: 10 });
    expect(result.ok && result.content.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(10);
    expect(result.ok && result.content).toContain('- 2026-03-10:');
  });

  it('defaults to 3 days when days is null', async () => {
    const harness = await harnessFor('weatherapi');
    await harness.call('get_forecast', { location: 'London', days: null });
    expect(weatherApi.requests[0]?.query['days']).toBe('3');
  });
});

describe('get_forecast with Open-Meteo', () => {
  it('requests the daily variables for the geocoded place and describes WMO codes', async () => {
    const harness = await harnessFor('open-meteo');
    const result = await harness.call('get_forecast', { location: 'Paris', days: 5 });
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.content).toBe(
      [
        'Weather forecast for Paris, Île-de-France, France (5 days, source: Open-Meteo):',
        '- 2026-03-01: overcast, 3.1°C to 10.2°C (avg 6.5°C), Wind: 18.7 km/h, Precip: 0.0 mm, Chance of rain: 10%, UV: 1.9',
        '- 2026-03-02: slight rain, 4.4°C to 9.1°C (avg 6.8°C), Wind: 25.2 km/h, Precip: 4.6 mm, Chance of rain: 84%, UV: 1.2',
        '- 2026-03-03: slight rain showers, 5.0°C to 11.6°C (avg 8.1°C), Wind: 22.0 km/h, Precip: 2.3 mm, Chance of rain: 61%, UV: 2.0',
        '- 2026-03-04: partly cloudy, 2.7°C to 12.9°C (avg 7.6°C), Wind: 14.1 km/h, Precip: 0.0 mm, Chance of rain: 5%, UV: 2.6',
        // uv_index_max is null that day: the field is left out, not invented.
        '- 2026-03-05: clear sky, 1.9°C to 14.3°C (avg 8.0°C), Wind: 9.8 km/h, Precip: 0.0 mm, Chance of rain: 0%',
      ].join('\n'),
    );
    const forecast = openMeteo.requests.find((request) => request.path === '/v1/forecast');
    expect(forecast?.query).toMatchObject({ latitude: '48.85341', longitude: '2.3488', forecast_days: '5', timezone: 'auto' });
    expect(forecast?.query['daily']?.split(',')).toEqual(expect.arrayContaining(['weather_code', 'temperature_2m_max', 'temperature_2m_min']));
  });
});

describe('get_forecast input checks', () => {
  it.each([0, 11, -1])('rejects days = %s with INVALID_INPUT and no request', async (days) => {
    const harness = await harnessFor('open-meteo');
    const result = await harness.call('get_forecast', { location: 'Paris', days });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    if (!result.ok) expect(result.error.message).toContain('1 to 10');
    expect(openMeteo.requests).toHaveLength(0);
  });

  it('rejects a non-integer days through schema validation', async () => {
    const harness = await harnessFor('open-meteo');
    expect(await harness.call('get_forecast', { location: 'Paris', days: 2.5 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
