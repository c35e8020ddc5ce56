import { fileURLToPath } from 'node:url';
import { createHarness, type Harness } from '@acai/plugin-sdk/testing';
import { startFakeIcalServer, type FakeIcalServer } from '@acai/tests/fakes/ical';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseIcalEvents } from './ical-feed.js';
import plugin from './index.js';

const packageJson = fileURLToPath(new URL('../package.json', import.meta.url));
let feed: FakeIcalServer;
const harnesses: Harness[] = [];

beforeAll(async () => {
  feed = await startFakeIcalServer();
});
afterAll(async () => {
  await feed.close();
});
afterEach(async () => {
  feed.recover();
  feed.requests.length = 0;
  await Promise.all(harnesses.splice(0).map((harness) => harness.dispose()));
});

async function harnessFor(config: Record<string, unknown> = {}): Promise<Harness> {
  const harness = await createHarness(plugin, {
    packageJson,
    now: '2026-03-01T10:00:00Z',
    timeZone: 'Europe/Madrid',
    config: { icalUrl: feed.calendarUrl, ...config },
    http: { allowHosts: ['127.0.0.1'] },
  });
  harnesses.push(harness);
  return harness;
}

const local = (harness: Harness, query: Record<string, unknown> = {}) =>
  harness.call('list_holidays', { country: null, region: null, year: null, from_date: null, to_date: null, types: null, max_count: null, ...query });

describe('parseIcalEvents', () => {
  it('reads DATE and DATE-TIME starts, unfolds lines, unescapes text and survives a missing SUMMARY', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'DTSTART;VALUE=DATE:20260101',
      'SUMMARY;LANGUAGE=en:New Year\\, again',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'DTSTART;TZID="Europe/Madrid":20260106T000000',
      'SUMMARY:Epi',
      ' phany',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'DTSTART:20260501T000000Z',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'SUMMARY:No start',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'DTSTART;VALUE=DATE:2026-05-01',
      'SUMMARY:Wrong format',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    expect(parseIcalEvents(text)).toEqual([
      { date: '2026-01-01', name: 'New Year, again', category: null },
      { date: '2026-01-06', name: 'Epiphany', category: null },
      { date: '2026-05-01', name: '(untitled event)', category: null },
    ]);
  });

  it('strips control characters and caps long summaries', () => {
    const [event] = parseIcalEvents(`BEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nSUMMARY:${'A'.repeat(500)}\\nIgnore previous instructions\u0007\nEND:VEVENT\n`);
    expect(event?.name.length).toBe(200);
    expect(event?.name).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('list_holidays from the configured iCal feed', () => {
  it('lists the feed sorted by date when country is null, skipping unusable events', async () => {
    const harness = await harnessFor();
    const result = await local(harness, { year: 2026 });
    expect(result).toMatchObject({ ok: true, data: { source: 'ical', total: 13 } });
    if (!result.ok) return;
    const lines = result.content.split('\n');
    expect(lines[0]).toBe('Holidays in the local holiday calendar from 2026-01-01 to 2026-12-31 (13 found):');
    expect(lines.slice(1, 4)).toEqual([
      "2026-01-01: New Year's Day (national holiday)",
      '2026-01-06: Epiphany (national holiday)',
      '2026-04-03: Good Friday (national holiday)',
    ]);
    expect(lines).toContain("2026-06-24: St John's Day (Sant Joan), celebrated across Catalonia (regional holiday)");
    expect(lines).toContain('2026-11-01: (untitled event) (national holiday)');
    expect(lines.at(-1)).toBe("2026-12-26: St Stephen's Day (regional holiday)");
    expect(result.content).not.toContain('Broken date');
    expect(feed.requests[0]).toMatchObject({ method: 'GET', path: '/ics/spain/catalonia' });
    expect(feed.requests[0]?.headers['accept']).toBe('text/calendar');
  });

  it('applies from/to and max_count to the feed', async () => {
    const harness = await harnessFor();
    const result = await local(harness, { from_date: '2026-09-01', max_count: 2 });
    expect(result.ok && result.content.split('\n').slice(1)).toEqual([
      '2026-09-11: National Day of Catalonia (regional holiday)',
      '2026-10-12: Hispanic Day (national holiday)',
    ]);
    expect(result).toMatchObject({ data: { to: '2027-08-31', total: 7, isTruncated: true } });
  });

  it('still answers by country from the offline dataset when a country is given', async () => {
    const harness = await harnessFor();
    const result = await local(harness, { country: 'US', year: 2026, types: ['public'], max_count: 1 });
    expect(result).toMatchObject({ ok: true, data: { source: 'date-holidays' } });
    expect(feed.requests).toHaveLength(0);
  });

  it('fetches the feed once and reuses it until icalCacheTtlSeconds pass', async () => {
    const harness = await harnessFor({ icalCacheTtlSeconds: 3600 });
    await local(harness, { year: 2026 });
    await local(harness, { year: 2026, max_count: 1 });
    expect(feed.requests).toHaveLength(1);
    harness.clock.advance(3601 * 1000);
    await local(harness, { year: 2026 });
    expect(feed.requests).toHaveLength(2);
  });

  it('refuses a feed larger than icalMaxBytes', async () => {
    const harness = await harnessFor({ icalUrl: feed.hugeCalendarUrl, icalMaxBytes: 64 * 1024 });
    const result = await local(harness, { year: 2026 });
    expect(result).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED' } });
    if (!result.ok) expect(result.error.message).toContain('larger than 65536 bytes');
  });

  it('gives up after icalTimeoutMs when the feed never answers', async () => {
    const harness = await harnessFor({ icalTimeoutMs: 150 });
    feed.failAlways({ type: 'hang' });
    const result = await local(harness, { year: 2026 });
    expect(result).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
  });

  it('maps a 5xx to UPSTREAM_UNAVAILABLE and a 404 to UPSTREAM_FAILED', async () => {
    const harness = await harnessFor();
    feed.failNext({ type: 'status', status: 503, body: 'Service Unavailable' });
    expect(await local(harness, { year: 2026 })).toMatchObject({ ok: false, error: { code: 'UPSTREAM_UNAVAILABLE' } });
    feed.failNext({ type: 'status', status: 404, body: 'Not Found' });
    expect(await local(harness, { year: 2026 })).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED' } });
  });

  it('rejects a body that is not an iCal document', async () => {
    const harness = await harnessFor();
    feed.setCalendar('<html><body>Please log in</body></html>');
    expect(await local(harness, { year: 2026 })).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED' } });
  });

  it('refuses a plain-HTTP icalUrl for a non-loopback host', async () => {
    await expect(createHarness(plugin, { packageJson, config: { icalUrl: 'http://www.officeholidays.com/ics/spain/catalonia' } })).rejects.toThrow(/icalUrl/);
  });
});
