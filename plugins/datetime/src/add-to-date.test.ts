import { fileURLToPath } from 'node:url';
import { createHarness, type Harness } from '@acai/plugin-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

const packageJson = fileURLToPath(new URL('../package.json', import.meta.url));
let harness: Harness;

beforeAll(async () => {
  // 23:30 UTC on Feb 28 is already Mar 1 in Madrid: "today" must follow the zone, not UTC.
  harness = await createHarness(plugin, { packageJson, now: '2026-02-28T23:30:00Z', timeZone: 'Europe/Madrid' });
});
afterAll(async () => {
  await harness.dispose();
});

const add = (date: string | null, amount: number, unit: string, timeZone: string | null = null) =>
  harness.call('add_to_date', { date, amount, unit, time_zone: timeZone });

describe('add_to_date', () => {
  it('answers "what date is 90 days after 2026-03-01"', async () => {
    expect(await add('2026-03-01', 90, 'days')).toEqual({
      ok: true,
      content: '2026-03-01 (Sunday) + 90 days = 2026-05-30 (Saturday)',
      data: { startDate: '2026-03-01', amount: 90, unit: 'days', date: '2026-05-30', weekday: 'Saturday', isClamped: false },
    });
  });

  it('counts from today in the given zone when date is null', async () => {
    expect(await add(null, 1, 'days')).toMatchObject({ data: { startDate: '2026-03-01', date: '2026-03-02' } });
    expect(await add(null, 1, 'days', 'UTC')).toMatchObject({ data: { startDate: '2026-02-28', date: '2026-03-01' } });
  });

  it('goes back with a negative amount, across a leap day', async () => {
    expect(await add('2024-03-01', -1, 'days')).toMatchObject({ data: { date: '2024-02-29', weekday: 'Thursday' } });
    expect(await add('2026-03-01', -2, 'weeks')).toMatchObject({ data: { date: '2026-02-15' } });
  });

  it('clamps month and year steps to the last day of the month and says so', async () => {
    const month = await add('2026-01-31', 1, 'months');
    expect(month).toMatchObject({ data: { date: '2026-02-28', isClamped: true } });
    expect(month.ok && month.content).toContain('its last day was used');
    expect(await add('2024-01-31', 1, 'months')).toMatchObject({ data: { date: '2024-02-29' } });
    expect(await add('2024-02-29', 1, 'years')).toMatchObject({ data: { date: '2025-02-28', isClamped: true } });
    expect(await add('2024-02-29', 4, 'years')).toMatchObject({ data: { date: '2028-02-29', isClamped: false } });
    expect(await add('2026-03-31', -13, 'months')).toMatchObject({ data: { date: '2025-02-28' } });
  });

  it('handles century leap rules (1900 no, 2000 yes)', async () => {
    expect(await add('1900-02-28', 1, 'days')).toMatchObject({ data: { date: '1900-03-01' } });
    expect(await add('2000-02-28', 1, 'days')).toMatchObject({ data: { date: '2000-02-29' } });
  });

  it('rejects impossible dates with a helpful message', async () => {
    expect(await add('2026-02-30', 1, 'days')).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'date: "2026-02-30" is not a valid date; February 2026 has 28 days.' },
    });
    expect(await add('2026-13-01', 1, 'days')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await add('03/01/2026', 1, 'days')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('rejects results outside years 0001-9999 and unknown units', async () => {
    expect(await add('9999-12-31', 1, 'days')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await add('2026-03-01', 1, 'fortnights')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await add('2026-03-01', 1.5, 'days')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
