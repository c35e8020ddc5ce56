import { createHash } from 'node:crypto';
import { ToolError, type ToolContext } from '@acai/plugin-sdk';
import type { HolidaysConfig } from './holidays-config.js';

/** One all-day event of an iCal feed. */
export interface IcalEvent {
  /** `YYYY-MM-DD` as written in DTSTART. */
  readonly date: string;
  readonly name: string;
  /** First CATEGORIES value, lower-cased, when present. */
  readonly category: string | null;
}

const MAX_NAME_LENGTH = 200;
const UNTITLED = '(untitled event)';

/**
 * Parses the VEVENTs of an iCal (RFC 5545) text: unfolds continuation lines, reads DTSTART (`VALUE=DATE`, local,
 * `TZID=` or UTC date-times; the calendar date as written is kept) and SUMMARY. Events without a usable DTSTART are
 * skipped; a missing SUMMARY becomes "(untitled event)". Summaries are unescaped, stripped of control characters and
 * capped, since they reach the model.
 */
export function parseIcalEvents(text: string): IcalEvent[] {
  const lines = text.replace(/\r\n[ \t]/g, '').replace(/\n[ \t]/g, '').split(/\r?\n/);
  const events: IcalEvent[] = [];
  let current: { date: string | null; name: string | null; category: string | null } | null = null;
  for (const line of lines) {
    const separator = findValueSeparator(line);
    if (separator < 0) continue;
    const head = line.slice(0, separator);
    const value = line.slice(separator + 1);
    const name = (head.split(';')[0] ?? '').toUpperCase();
    if (name === 'BEGIN' && value.trim().toUpperCase() === 'VEVENT') {
      current = { date: null, name: null, category: null };
    } else if (name === 'END' && value.trim().toUpperCase() === 'VEVENT') {
      if (current?.date) events.push({ date: current.date, name: current.name ?? UNTITLED, category: current.category });
      current = null;
    } else if (current !== null) {
      if (name === 'DTSTART') current.date = readIcalDate(value);
      else if (name === 'SUMMARY') current.name = cleanText(value) || null;
      else if (name === 'CATEGORIES' && current.category === null) {
        current.category = cleanText(value.split(/(?<!\\),/)[0] ?? '').toLowerCase() || null;
      }
    }
  }
  return events;
}

// The first ':' outside a double-quoted parameter value separates name;params from the value.
function findValueSeparator(line: string): number {
  let isQuoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const character = line[index];
    if (character === '"') isQuoted = !isQuoted;
    else if (character === ':' && !isQuoted) return index;
  }
  return -1;
}

function readIcalDate(value: string): string | null {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T\d{6}Z?)?$/.exec(value.trim());
  if (!match) return null;
  const [, year, month, day] = match;
  const monthNumber = Number(month);
  const dayNumber = Number(day);
  if (monthNumber < 1 || monthNumber > 12 || dayNumber < 1 || dayNumber > 31) return null;
  return `${year}-${month}-${day}`;
}

function cleanText(value: string): string {
  const unescaped = value.replace(/\\([\\;,nN])/g, (_, character: string) => (character === 'n' || character === 'N' ? ' ' : character));
  // eslint-disable-next-line no-control-regex
  const clean = unescaped.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > MAX_NAME_LENGTH ? `${clean.slice(0, MAX_NAME_LENGTH - 1)}…` : clean;
}

interface CachedFeed {
  readonly events: IcalEvent[];
}

/** Fetches (or reads from the plugin cache) and parses the configured iCal feed, with timeout and size cap. */
export async function loadIcalFeed(url: string, context: ToolContext<HolidaysConfig>): Promise<IcalEvent[]> {
  const key = `ical:v1:${createHash('sha256').update(url).digest('hex')}`;
  const ttlSeconds = context.config.icalCacheTtlSeconds;
  try {
    const cached = await context.cache.get<CachedFeed>(key);
    if (cached && Array.isArray(cached.events)) return cached.events;
  } catch (error) {
    context.logger.warn({ err: error }, 'holiday calendar cache unavailable');
  }
  const response = await context.http.fetch(url, {
    timeoutMs: context.config.icalTimeoutMs,
    maxResponseBytes: context.config.icalMaxBytes,
    headers: { accept: 'text/calendar' },
  });
  if (response.status === 429 || response.status >= 500) {
    throw new ToolError('UPSTREAM_UNAVAILABLE', `The holiday calendar is unavailable right now (HTTP ${response.status}).`);
  }
  if (!response.ok) {
    throw new ToolError('UPSTREAM_FAILED', `The holiday calendar could not be fetched (HTTP ${response.status}); an operator should check icalUrl.`);
  }
  const text = response.text();
  if (!/BEGIN:VCALENDAR/i.test(text)) {
    throw new ToolError('UPSTREAM_FAILED', 'The configured holiday calendar is not an iCal (text/calendar) document.');
  }
  const events = parseIcalEvents(text);
  if (ttlSeconds > 0) {
    try {
      await context.cache.set(key, { events } satisfies CachedFeed, { ttlSeconds });
    } catch (error) {
      context.logger.warn({ err: error }, 'could not cache the holiday calendar');
    }
  }
  return events;
}
