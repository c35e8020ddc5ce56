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

describe('convert_time', () => {
  it('converts a local time across the date line', async () => {
    const result = await harness.call('convert_time', {
      date_time: '2026-03-01T22:00',
      from_time_zone: 'America/New_York',
      to_time_zone: 'Asia/Tokyo',
    });
    expect(result).toMatchObject({
      ok: true,
      content:
        '2026-03-01 22:00:00 in America/New_York (UTC-05:00) is 2026-03-02 12:00:00 in Asia/Tokyo (UTC+09:00), Monday (1 day later).',
      data: { utc: '2026-03-02T03:00:00.000Z', to: { dateTime: '2026-03-02T12:00:00', iso: '2026-03-02T12:00:00+09:00' } },
    });
  });

  it('uses the offset in force on that date (New York is UTC-4 after its March DST change)', async () => {
    const result = await harness.call('convert_time', { date_time: '2026-03-09 09:00', from_time_zone: 'America/New_York', to_time_zone: 'UTC' });
    expect(result).toMatchObject({ data: { utc: '2026-03-09T13:00:00.000Z', from: { utcOffset: '-04:00' } } });
  });

  it("treats a bare time as today in the source zone and null zones as the server's", async () => {
    const result = await harness.call('convert_time', { date_time: '15:30', from_time_zone: null, to_time_zone: 'Europe/London' });
    expect(result).toMatchObject({ data: { from: { timeZone: 'Europe/Madrid', dateTime: '2026-03-01T15:30:00' }, to: { dateTime: '2026-03-01T14:30:00' } } });
  });

  it('converts the current moment when date_time is null', async () => {
    const result = await harness.call('convert_time', { date_time: null, from_time_zone: 'UTC', to_time_zone: 'Asia/Kathmandu' });
    expect(result).toMatchObject({ data: { to: { dateTime: '2026-03-01T15:45:00', utcOffset: '+05:45' } } });
  });

  it('rejects a local time skipped by the spring DST change', async () => {
    const result = await harness.call('convert_time', { date_time: '2026-03-29T02:30', from_time_zone: 'Europe/Madrid', to_time_zone: 'UTC' });
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message:
          'date_time: 2026-03-29T02:30:00 does not exist in Europe/Madrid; clocks jump forward that night (UTC+01:00 to UTC+02:00). Use a time after the change.',
      },
    });
  });

  it('resolves a repeated autumn hour to its first occurrence and says so', async () => {
    const result = await harness.call('convert_time', { date_time: '2026-10-25T02:30', from_time_zone: 'Europe/Madrid', to_time_zone: 'UTC' });
    expect(result).toMatchObject({ ok: true, data: { utc: '2026-10-25T00:30:00.000Z', from: { utcOffset: '+02:00' } } });
    expect(result.ok && result.content).toContain('happens twice in Europe/Madrid');
  });

  it('honours an explicit offset in date_time', async () => {
    const result = await harness.call('convert_time', { date_time: '2026-06-01T12:00:00Z', from_time_zone: 'Asia/Tokyo', to_time_zone: 'Europe/Madrid' });
    expect(result).toMatchObject({ data: { to: { dateTime: '2026-06-01T14:00:00' } } });
    expect(result.ok && result.content).toContain('carried its own UTC offset');
  });

  it.each([
    ['2026-02-30T10:00', 'February 2026 has 28 days'],
    ['2026-03-01T24:00', 'not a valid time of day'],
    ['tomorrow at noon', 'must look like'],
  ])('rejects date_time %s with INVALID_INPUT', async (dateTime, fragment) => {
    const result = await harness.call('convert_time', { date_time: dateTime, from_time_zone: 'UTC', to_time_zone: 'UTC' });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    if (!result.ok) expect(result.error.message).toContain(fragment);
  });

  it('names the bad zone argument', async () => {
    const result = await harness.call('convert_time', { date_time: '10:00', from_time_zone: 'UTC', to_time_zone: 'Europe/Atlantis' });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    if (!result.ok) expect(result.error.message).toMatch(/^to_time_zone: unknown time zone "Europe\/Atlantis"/);
  });
});
