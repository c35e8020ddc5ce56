import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWeatherApi, weatherApiError, type FakeWeatherApi } from './index.js';

let fake: FakeWeatherApi;
beforeAll(async () => {
  fake = await startFakeWeatherApi();
});
afterAll(async () => {
  await fake.close();
});

async function get(path: string, query: Record<string, string>) {
  const response = await fetch(`${fake.baseUrl}${path}?${new URLSearchParams(query).toString()}`);
  return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as Record<string, any> };
}

describe('fake WeatherAPI.com', () => {
  it('answers current.json with the documented location and current objects', async () => {
    const { status, contentType, body } = await get('/current.json', { key: fake.apiKey, q: 'London', aqi: 'no' });
    expect(status).toBe(200);
    expect(contentType).toBe('application/json');
    expect(Object.keys(body)).toEqual(['location', 'current']);
    expect(body['location']).toMatchObject({ name: 'London', tz_id: 'Europe/London', localtime: '2026-03-01 10:02' });
    expect(body['current']).toMatchObject({ temp_c: 9.2, condition: { code: 1003 }, wind_dir: 'SW' });
    expect(body['current']).not.toHaveProperty('air_quality');
  });

  it('adds air_quality with hyphenated index keys when aqi=yes', async () => {
    const { body } = await get('/current.json', { key: fake.apiKey, q: 'London', aqi: 'yes' });
    expect(body['current']['air_quality']).toHaveProperty('us-epa-index');
  });

  it('returns `days` forecast days (1-14) with astro and 24 hours each', async () => {
    const { body } = await get('/forecast.json', { key: fake.apiKey, q: 'london', days: '5' });
    const days = body['forecast']['forecastday'] as Record<string, any>[];
    expect(days.map((day) => day['date'])).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']);
    expect(days[3]?.['hour']).toHaveLength(24);
    expect(days[3]?.['hour'][0]['time']).toBe('2026-03-04 00:00');
    expect((await get('/forecast.json', { key: fake.apiKey, q: 'london', days: '30' })).body['forecast']['forecastday']).toHaveLength(14);
    expect((await get('/forecast.json', { key: fake.apiKey, q: 'london' })).body['forecast']['forecastday']).toHaveLength(1);
  });

  it.each([
    [{ q: 'London' }, 401, 1002],
    [{ key: 'nope', q: 'London' }, 401, 2006],
    [{ key: 'test-weatherapi-key' }, 400, 1003],
    [{ key: 'test-weatherapi-key', q: 'Atlantis' }, 400, 1006],
  ])('answers %j with HTTP %i and error code %i', async (query, status, code) => {
    const response = await get('/current.json', query);
    expect(response.status).toBe(status);
    expect(response.contentType).toBe('application/json');
    expect(response.body).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('records requests and plays scripted failures', async () => {
    fake.requests.length = 0;
    fake.failNext(weatherApiError(2007));
    expect((await get('/current.json', { key: fake.apiKey, q: 'London' })).status).toBe(403);
    expect((await get('/current.json', { key: fake.apiKey, q: 'London' })).status).toBe(200);
    expect(fake.requests.map((request) => request.query['q'])).toEqual(['London', 'London']);
  });
});
