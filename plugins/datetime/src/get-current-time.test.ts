import { fileURLToPath } from 'node:url';
import { createHarness, type Harness } from '@acai/plugin-sdk/testing';
import { afterEach, describe, expect, it } from 'vitest';
import plugin from './index.js';

const packageJson = fileURLToPath(new URL('../package.json', import.meta.url));
const harnesses: Harness[] = [];

async function harnessAt(now: string, config: Record<string, unknown> = {}): Promise<Harness> {
  const harness = await createHarness(plugin, { packageJson, now, timeZone: 'Europe/Madrid', config });
  harnesses.push(harness);
  return harness;
}

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.dispose()));
});

describe('get_current_time', () => {
  it("uses the server's zone when time_zone is null", async () => {
    const harness = await harnessAt('2026-03-01T10:00:00Z');
    const result = await harness.call('get_current_time', { time_zone: null });
    expect(result).toEqual({
      ok: true,
      content: 'Current time in Europe/Madrid: Sunday, 2026-03-01 11:00:00 (UTC+01:00). ISO 8601: 2026-03-01T11:00:00+01:00',
      data: {
        timeZone: 'Europe/Madrid',
        date: '2026-03-01',
        time: '11:00:00',
        weekday: 'Sunday',
        utcOffset: '+01:00',
        iso: '2026-03-01T11:00:00+01:00',
        isDst: false,
        utc: '2026-03-01T10:00:00.000Z',
      },
    });
  });

  it('reports the date on the other side of midnight for a distant zone', async () => {
    const harness = await harnessAt('2026-03-01T10:00:00Z');
    const result = await harness.call('get_current_time', { time_zone: 'Pacific/Kiritimati' });
    expect(result).toMatchObject({ ok: true, data: { date: '2026-03-02', time: '00:00:00', weekday: 'Monday', utcOffset: '+14:00' } });
  });

  it('accepts zone names in any case and returns the canonical spelling', async () => {
    const harness = await harnessAt('2026-03-01T10:00:00Z');
    const result = await harness.call('get_current_time', { time_zone: 'america/new_york' });
    expect(result).toMatchObject({ ok: true, data: { timeZone: 'America/New_York', time: '05:00:00', utcOffset: '-05:00' } });
  });

  it('keeps alias names such as Asia/Kolkata and handles half-hour offsets', async () => {
    const harness = await harnessAt('2026-03-01T10:00:00Z');
    const result = await harness.call('get_current_time', { time_zone: 'Asia/Kolkata' });
    expect(result).toMatchObject({ ok: true, data: { timeZone: 'Asia/Kolkata', time: '15:30:00', utcOffset: '+05:30' } });
  });

  it('flags daylight saving time right after the spring change', async () => {
    const before = await harnessAt('2026-03-29T00:59:59Z');
    expect(await before.call('get_current_time', { time_zone: 'Europe/Madrid' })).toMatchObject({
      data: { time: '01:59:59', utcOffset: '+01:00', isDst: false },
    });
    const after = await harnessAt('2026-03-29T01:00:00Z');
    expect(await after.call('get_current_time', { time_zone: 'Europe/Madrid' })).toMatchObject({
      data: { time: '03:00:00', utcOffset: '+02:00', isDst: true },
    });
  });

  it('reports DST in the southern hemisphere in January', async () => {
    const harness = await harnessAt('2026-01-15T00:00:00Z');
    expect(await harness.call('get_current_time', { time_zone: 'Australia/Sydney' })).toMatchObject({
      data: { utcOffset: '+11:00', isDst: true },
    });
  });

  it('rejects an unknown zone with INVALID_INPUT and suggests a match', async () => {
    const harness = await harnessAt('2026-03-01T10:00:00Z');
    const result = await harness.call('get_current_time', { time_zone: 'Tokyo' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'time_zone: unknown time zone "Tokyo". Did you mean "Asia/Tokyo"?' },
    });
    const nonsense = await harness.call('get_current_time', { time_zone: 'Mars/Olympus_Mons' });
    expect(nonsense).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    if (!nonsense.ok) expect(nonsense.error.message).toContain('IANA name');
  });

  it('uses the configured defaultTimeZone over the host zone', async () => {
    const harness = await harnessAt('2026-03-01T10:00:00Z', { defaultTimeZone: 'Asia/Tokyo' });
    expect(await harness.call('get_current_time', { time_zone: null })).toMatchObject({ data: { timeZone: 'Asia/Tokyo', time: '19:00:00' } });
  });

  it('refuses to load with an unknown defaultTimeZone', async () => {
    await expect(harnessAt('2026-03-01T10:00:00Z', { defaultTimeZone: 'Nowhere/City' })).rejects.toThrow(/unknown time zone/);
  });

  it('rejects arguments that do not match the schema', async () => {
    const harness = await harnessAt('2026-03-01T10:00:00Z');
    expect(await harness.call('get_current_time', { time_zone: 5 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await harness.call('get_current_time', { zone: 'UTC' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    // Left out is not given (what a model without strict mode sends): the default zone, as with null.
    const leftOut = await harness.call('get_current_time', {});
    expect(leftOut).toMatchObject({ ok: true });
    expect(leftOut).toEqual(await harness.call('get_current_time', { time_zone: null }));
  });
});
