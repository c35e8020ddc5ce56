import { describe, expect, it } from 'vitest';
import { formatCount, formatMilliseconds, formatRelativeTime, formatSeconds, prettyJson } from './format.js';

describe('formatting', () => {
  it('writes latencies in the unit a reader expects', () => {
    expect(formatMilliseconds(0)).toBe('0 ms');
    expect(formatMilliseconds(12.4)).toBe('12 ms');
    expect(formatMilliseconds(1_234)).toBe('1.23 s');
    expect(formatMilliseconds(45_000)).toBe('45.0 s');
    expect(formatMilliseconds(125_000)).toBe('2 min 5 s');
    expect(formatMilliseconds(-1)).toBe('–');
    expect(formatSeconds(0.0004)).toBe('0.40 ms');
    expect(formatSeconds(0.0032)).toBe('3.2 ms');
    expect(formatSeconds(0.25)).toBe('250 ms');
    expect(formatSeconds(2.5)).toBe('2.50 s');
    expect(formatSeconds(undefined)).toBe('–');
  });

  it('writes times relative to now and ignores what is not a time', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    expect(formatRelativeTime('2026-03-10T11:59:40Z', now)).toBe('just now');
    expect(formatRelativeTime('2026-03-10T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelativeTime('2026-03-10T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelativeTime('2026-03-09T10:00:00Z', now)).toBe('yesterday');
    expect(formatRelativeTime('2026-01-02T10:00:00Z', now)).toBe('2026-01-02');
    expect(formatRelativeTime('<script>', now)).toBe('');
    expect(formatRelativeTime(undefined, now)).toBe('');
  });

  it('pretty-prints JSON and leaves other text alone', () => {
    expect(prettyJson('{"time_zone":"Europe/Madrid","n":[1,2]}')).toBe('{\n  "time_zone": "Europe/Madrid",\n  "n": [\n    1,\n    2\n  ]\n}');
    expect(prettyJson('It is noon')).toBe('It is noon');
    expect(prettyJson('{not json')).toBe('{not json');
    expect(prettyJson('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
  });

  it('writes 64-bit counters that arrive as strings', () => {
    expect(formatCount('1234567')).toBe('1,234,567');
    expect(formatCount(undefined)).toBe('0');
    expect(formatCount('abc')).toBe('abc');
  });
});
