import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenMeteo, type FakeOpenMeteo } from './index.js';

let fake: FakeOpenMeteo;
beforeAll(async () => {
  fake = await startFakeOpenMeteo({ now: '2026-03-01T10:00:00Z' });
});
afterAll(async () => {
  await fake.close();
});

async function get(url: string, query: Record<string, string>) {
  const response = await fetch(`${url}?${new URLSearchParams(query).toString()}`);
  return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as Record<string, any> };
}

describe('fake Open-Meteo geocoding', () => {
  it('matches prefixes case- and diacritic-insensitively, most populous first, omitting empty fields', async () => {
    const { status, contentType, body } = await get(fake.geocodingUrl, { name: 'lond', count: '10', language: 'en', format: 'json' });
    expect(status).toBe(200);
    expect(contentType).toBe('application/json; charset=utf-8');
    expect(body['results'].map((result: any) => result.country_code)).toEqual(['GB', 'CA']);
    expect(body['results'][0]).not.toHaveProperty('postcodes');
    expect((await get(fake.geocodingUrl, { name: 'sao paulo' })).body['results'][0].name).toBe('São Paulo');
  });

  it('drops the results key when nothing matches, and honours an exact qualifier', async () => {
    expect((await get(fake.geocodingUrl, { name: 'Atlantis' })).body).toEqual({ generationtime_ms: 0.46 });
    expect((await get(fake.geocodingUrl, { name: 'Paris, Texas' })).body['results'][0].country_code).toBe('US');
    expect((await get(fake.geocodingUrl, { name: 'Paris, TX' })).body).not.toHaveProperty('results');
  });

  it('rejects count outside 1-100 with the real 400 body', async () => {
    expect(await get(fake.geocodingUrl, { name: 'Berlin', count: '0' })).toMatchObject({
      status: 400,
      body: { error: true, reason: 'Parameter count must be between 1 and 100.' },
    });
  });
});

describe('fake Open-Meteo forecast', () => {
  it('returns only the requested variables with units, local times and the zone offset', async () => {
    const { body } = await get(fake.forecastUrl, {
      latitude: '52.52',
      longitude: '13.41',
      current: 'temperature_2m,weather_code',
      daily: 'temperature_2m_max,weather_code',
      timezone: 'auto',
      forecast_days: '3',
    });
    expect(body).toMatchObject({ timezone: 'Europe/Berlin', utc_offset_seconds: 3600, timezone_abbreviation: 'GMT+1' });
    expect(body['current']).toEqual({ time: '2026-03-01T11:00', interval: 900, temperature_2m: 8.4, weather_code: 3 });
    expect(body['current_units']).toEqual({ time: 'iso8601', interval: 'seconds', temperature_2m: '°C', weather_code: 'wmo code' });
    expect(body['daily']).toEqual({ time: ['2026-03-01', '2026-03-02', '2026-03-03'], temperature_2m_max: [10.2, 9.1, 11.6], weather_code: [3, 61, 80] });
  });

  it.each([
    [{ latitude: '95', longitude: '0' }, 'Latitude must be in range of -90 to 90°. Given: 95.'],
    [{ latitude: '1', longitude: '1', current: 'tempeture_2m' }, 'Cannot initialize WeatherVariable from invalid String value tempeture_2m for key current'],
    [{ latitude: '1', longitude: '1', forecast_days: '17' }, 'Forecast days is invalid. Allowed range 0 to 16.'],
  ])('answers %j with HTTP 400 {"error":true,"reason"}', async (query, reason) => {
    expect(await get(fake.forecastUrl, query)).toMatchObject({ status: 400, body: { error: true, reason } });
  });
});
