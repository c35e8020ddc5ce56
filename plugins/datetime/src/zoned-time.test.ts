import { describe, expect, it } from 'vitest';
import { formatIsoInZone, offsetMinutesAt, offsetMinutesOf, wallClockAt } from './zoned-time.js';

describe('wallClockAt', () => {
  it('reads each second afresh and keeps a reading only within its second', () => {
    const start = Date.UTC(2026, 2, 29, 0, 59, 58, 250); // one second before Madrid springs forward (01:00 UTC)
    expect(wallClockAt(start, 'Europe/Madrid')).toEqual({ year: 2026, month: 3, day: 29, hour: 1, minute: 59, second: 58 });
    expect(wallClockAt(start + 500, 'Europe/Madrid')).toEqual({ year: 2026, month: 3, day: 29, hour: 1, minute: 59, second: 58 });
    expect(wallClockAt(start + 750, 'Europe/Madrid')).toEqual({ year: 2026, month: 3, day: 29, hour: 1, minute: 59, second: 59 });
    expect(wallClockAt(start + 1750, 'Europe/Madrid')).toEqual({ year: 2026, month: 3, day: 29, hour: 3, minute: 0, second: 0 });
    // Another zone at the same instant is its own reading.
    expect(wallClockAt(start + 1750, 'America/New_York')).toEqual({ year: 2026, month: 3, day: 28, hour: 21, minute: 0, second: 0 });
    // Going back in time is read again too.
    expect(wallClockAt(start, 'Europe/Madrid').hour).toBe(1);
  });

  it('derives the offset from a reading exactly as offsetMinutesAt does, across a DST change', () => {
    for (const instant of [Date.UTC(2026, 2, 29, 0, 59, 59, 999), Date.UTC(2026, 2, 29, 1, 0, 0, 1), Date.UTC(2026, 9, 25, 0, 30), Date.UTC(2026, 9, 25, 1, 30)]) {
      for (const zone of ['Europe/Madrid', 'Asia/Kolkata', 'America/St_Johns', 'UTC']) {
        expect(offsetMinutesOf(wallClockAt(instant, zone), instant)).toBe(offsetMinutesAt(instant, zone));
      }
    }
    expect(formatIsoInZone(Date.UTC(2026, 2, 29, 1, 0, 0), 'Europe/Madrid')).toBe('2026-03-29T03:00:00+02:00');
  });
});
