import { fileURLToPath } from 'node:url';
import { createHarness, type Harness } from '@acai/plugin-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

const packageJson = fileURLToPath(new URL('../package.json', import.meta.url));
let harness: Harness;

beforeAll(async () => {
  harness = await createHarness(plugin, { packageJson, now: '2026-03-01T10:00:00Z', timeZone: 'Europe/Madrid' });
});
afterAll(async () => {
  await harness.dispose();
});

interface Query {
  country?: string | null;
  region?: string | null;
  year?: number | null;
  from_date?: string | null;
  to_date?: string | null;
  types?: string[] | null;
  max_count?: number | null;
}

const list = (query: Query) =>
  harness.call('list_holidays', { country: null, region: null, year: null, from_date: null, to_date: null, types: null, max_count: null, ...query });

function lines(result: Awaited<ReturnType<typeof list>>): string[] {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.content.split('\n').slice(1);
}

describe('list_holidays from date-holidays', () => {
  it('lists the 12 US public holidays of 2026, including the July 3 substitute day', async () => {
    const result = await list({ country: 'US', year: 2026, types: ['public'] });
    expect(lines(result)).toEqual([
      "2026-01-01: New Year's Day (public)",
      '2026-01-19: Martin Luther King Jr. Day (public)',
      "2026-02-16: Washington's Birthday (public)",
      '2026-05-25: Memorial Day (public)',
      '2026-06-19: Juneteenth (public)',
      '2026-07-03: Independence Day (substitute day) (public)',
      '2026-07-04: Independence Day (public)',
      '2026-09-07: Labour Day (public)',
      '2026-10-12: Columbus Day (public)',
      '2026-11-11: Veterans Day (public)',
      '2026-11-26: Thanksgiving Day (public)',
      '2026-12-25: Christmas Day (public)',
    ]);
    expect(result.ok && result.content.split('\n')[0]).toBe(
      'Holidays in United States of America (US) from 2026-01-01 to 2026-12-31, types public (12 found):',
    );
    expect(result).toMatchObject({ data: { source: 'date-holidays', country: 'US', total: 12, isTruncated: false } });
  });

  it('adds the August bank holiday for England only', async () => {
    const gb = lines(await list({ country: 'GB', year: 2026 }));
    const england = lines(await list({ country: 'GB', region: 'ENG', year: 2026 }));
    expect(gb.some((line) => line.startsWith('2026-08-31'))).toBe(false);
    expect(england.filter((line) => line.startsWith('2026-08-31'))).toHaveLength(1);
    expect(england).toContain('2026-12-28: Boxing Day (substitute day) (public)');
  });

  it('gives Catalan holidays with English names where the dataset has them', async () => {
    const catalonia = lines(await list({ country: 'ES', region: 'CT', year: 2026, types: ['public'] }));
    expect(catalonia).toHaveLength(14);
    expect(catalonia).toContain('2026-09-11: Dia de Cataluña (public)');
    expect(catalonia).toContain('2026-06-24: San Juan (public)');
    expect(catalonia).toContain('2026-12-26: San Esteban (public)');
    expect(catalonia).toContain('2026-04-03: Good Friday (public)');
    expect(catalonia.join('\n')).not.toContain('Viernes Santo');
  });

  it('accepts the region as ISO 3166-2 ("ES-CT") in either argument, and country names', async () => {
    const expected = lines(await list({ country: 'ES', region: 'CT', year: 2026 }));
    expect(lines(await list({ country: 'ES-CT', year: 2026 }))).toEqual(expected);
    expect(lines(await list({ country: 'es', region: 'es-ct', year: 2026 }))).toEqual(expected);
    expect(lines(await list({ country: 'Spain', region: 'CT', year: 2026 }))).toEqual(expected);
  });

  it('applies max_count to the earliest matches and says how many there were', async () => {
    const result = await list({ country: 'US', year: 2026, types: ['public'], max_count: 3 });
    expect(lines(result)).toEqual([
      "2026-01-01: New Year's Day (public)",
      '2026-01-19: Martin Luther King Jr. Day (public)',
      "2026-02-16: Washington's Birthday (public)",
    ]);
    expect(result.ok && result.content).toContain('showing the first 3 of 12');
    expect(result).toMatchObject({ data: { total: 12, isTruncated: true } });
  });

  it('filters from/to inclusively by calendar date', async () => {
    const result = await list({ country: 'US', from_date: '2026-07-03', to_date: '2026-09-07', types: ['public'] });
    expect(lines(result)).toEqual([
      '2026-07-03: Independence Day (substitute day) (public)',
      '2026-07-04: Independence Day (public)',
      '2026-09-07: Labour Day (public)',
    ]);
  });

  it('accepts RFC 3339 date-times as bounds, comparing only their dates', async () => {
    const result = await list({ country: 'US', from_date: '2026-07-04T23:59:00-10:00', to_date: '2026-07-04T00:00:00Z', types: ['public'] });
    expect(lines(result)).toEqual(['2026-07-04: Independence Day (public)']);
  });

  it('lists one year from from_date when to_date is null (next holidays across New Year)', async () => {
    const result = await list({ country: 'US', from_date: '2026-12-20', types: ['public'], max_count: 2 });
    expect(lines(result)).toEqual(['2026-12-25: Christmas Day (public)', "2027-01-01: New Year's Day (public)"]);
    expect(result).toMatchObject({ data: { from: '2026-12-20', to: '2027-12-19' } });
  });

  it('spans several years, sorted', async () => {
    const result = await list({ country: 'US', from_date: '2025-12-01', to_date: '2027-01-31', types: ['public'] });
    const dates = lines(result).map((line) => line.slice(0, 10));
    expect(dates[0]).toBe('2025-12-25');
    expect(dates.at(-1)).toBe('2027-01-18');
    expect([...dates].sort()).toEqual(dates);
  });

  it('filters by type', async () => {
    const observances = lines(await list({ country: 'ES', region: 'CT', year: 2026, types: ['observance'] }));
    expect(observances.length).toBeGreaterThan(0);
    expect(observances.every((line) => line.endsWith('(observance)'))).toBe(true);
    const all = lines(await list({ country: 'ES', region: 'CT', year: 2026, types: ['public', 'observance'] }));
    expect(all.length).toBe(observances.length + 14);
  });

  it('defaults to public and bank holidays of the current year in the clock zone', async () => {
    const result = await list({ country: 'DE' });
    expect(result).toMatchObject({ ok: true, data: { from: '2026-01-01', to: '2026-12-31', types: ['public', 'bank'] } });
  });

  it('says so when nothing matches instead of answering with nothing', async () => {
    const result = await list({ country: 'US', from_date: '2026-03-01', to_date: '2026-03-31', types: ['public'] });
    expect(result).toMatchObject({
      ok: true,
      content: 'No holidays of type public in United States of America (US) between 2026-03-01 and 2026-03-31.',
      data: { total: 0, holidays: [] },
    });
  });
});

describe('list_holidays input errors', () => {
  it('answers NOT_FOUND for an unknown country, with a hint', async () => {
    const result = await list({ country: 'XX', year: 2026 });
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    if (!result.ok) expect(result.error.message).toContain('ISO 3166-1 alpha-2');
    const named = await list({ country: 'Germ', year: 2026 });
    if (!named.ok) expect(named.error.message).toContain('DE (Germany)');
  });

  it('answers NOT_FOUND for an unknown region, listing the known ones', async () => {
    const result = await list({ country: 'GB', region: 'XYZ', year: 2026 });
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    if (!result.ok) expect(result.error.message).toContain('ENG (England)');
  });

  it.each([
    [{ country: 'US', from_date: '2026-02-30' }, 'not a valid calendar date'],
    [{ country: 'US', from_date: '2026-05-01', to_date: '2026-04-01' }, 'is after to_date'],
    [{ country: 'US', from_date: '2020-01-01', to_date: '2035-01-01' }, 'at most 10'],
    [{ country: 'US', year: 1500 }, 'outside the supported range'],
    [{ country: 'US', max_count: 0 }, 'max_count'],
    [{ country: null }, 'country is required'],
  ] as const)('rejects %j with INVALID_INPUT', async (query, fragment) => {
    const result = await list(query);
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    if (!result.ok) expect(result.error.message).toContain(fragment);
  });

  it('rejects unknown types through the schema', async () => {
    expect(await list({ country: 'US', types: ['religious'] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});

describe('list_holiday_regions and list_holiday_countries', () => {
  it('lists region codes usable in list_holidays', async () => {
    const result = await harness.call('list_holiday_regions', { country: 'GB' });
    expect(result.ok && result.content).toBe(
      'Regions of United Kingdom (GB) for list_holidays (5):\nALD: Alderney\nENG: England\nNIR: Northern Ireland\nSCT: Scotland\nWLS: Wales',
    );
    const us = await harness.call('list_holiday_regions', { country: 'US' });
    expect(us.ok && us.content).toContain('LA-NO: New Orleans (in Louisiana)');
  });

  it('finds countries by name', async () => {
    const result = await harness.call('list_holiday_countries', { search: 'spain' });
    expect(result).toMatchObject({ ok: true, content: 'Countries with holiday data (1):\nES: Spain' });
    const all = await harness.call('list_holiday_countries', { search: null });
    expect(all).toMatchObject({ ok: true });
    expect((all.ok && (all.data as { countries: unknown[] }).countries.length) || 0).toBeGreaterThan(150);
  });

  it('answers NOT_FOUND for regions of an unknown country', async () => {
    expect(await harness.call('list_holiday_regions', { country: 'ZZ' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('plugin configuration', () => {
  it('uses defaultCountry when country is null', async () => {
    const local = await createHarness(plugin, { packageJson, now: '2026-03-01T10:00:00Z', config: { defaultCountry: 'ES-CT' } });
    const result = await local.call('list_holidays', { country: null, region: null, year: 2026, from_date: null, to_date: null, types: ['public'], max_count: null });
    expect(result.ok && result.content).toContain('2026-09-11: Dia de Cataluña (public)');
    await local.dispose();
  });

  it('refuses to load with an unknown defaultCountry', async () => {
    await expect(createHarness(plugin, { packageJson, config: { defaultCountry: 'QQ' } })).rejects.toThrow(/Unknown country/);
  });
});
