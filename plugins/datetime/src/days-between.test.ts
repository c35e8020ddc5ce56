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

const between = (start: string | null, end: string | null, timeZone: string | null = null) =>
  harness.call('days_between', { start_date: start, end_date: end, time_zone: timeZone });

describe('days_between', () => {
  it('counts calendar days, with weeks and days', async () => {
    expect(await between('2026-03-01', '2026-12-25')).toEqual({
      ok: true,
      content: 'From 2026-03-01 (Sunday) to 2026-12-25 (Friday): 299 days (42 weeks and 5 days).',
      data: { startDate: '2026-03-01', endDate: '2026-12-25', days: 299, weeks: 42, remainingDays: 5 },
    });
  });

  it('is not thrown off by DST changes in between', async () => {
    expect(await between('2026-03-28', '2026-03-30')).toMatchObject({ data: { days: 2 } });
    expect(await between('2026-10-24', '2026-10-26')).toMatchObject({ data: { days: 2 } });
  });

  it('counts leap days', async () => {
    expect(await between('2024-01-01', '2025-01-01')).toMatchObject({ data: { days: 366 } });
    expect(await between('2026-01-01', '2027-01-01')).toMatchObject({ data: { days: 365 } });
  });

  it('is negative when the end is before the start', async () => {
    const result = await between('2026-03-01', '2026-02-01');
    expect(result).toMatchObject({ data: { days: -28 } });
    expect(result.ok && result.content).toContain('end_date is before start_date');
  });

  it('uses today in the zone for a null date', async () => {
    expect(await between(null, '2026-12-25')).toMatchObject({ data: { startDate: '2026-03-01', days: 299 } });
    expect(await between(null, null, 'Pacific/Kiritimati')).toMatchObject({ data: { startDate: '2026-03-02', days: 0 } });
  });

  it('rejects invalid dates naming the argument', async () => {
    const result = await between('2026-03-01', '2025-02-29');
    expect(result).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'end_date: "2025-02-29" is not a valid date; February 2025 has 28 days.' },
    });
  });
});
