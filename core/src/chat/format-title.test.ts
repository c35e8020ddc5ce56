import { describe, expect, it } from 'vitest';
import { DEFAULT_TITLE, fallbackTitle, formatTitle } from './format-title.js';

describe('formatTitle', () => {
  it('title-cases with small words lower-cased except the first', () => {
    expect(formatTitle('the weather in paris and the alps')).toBe('The Weather in Paris and the Alps');
  });

  it('keeps acronyms and inner capitals', () => {
    expect(formatTitle('best pizza in NYC with AI')).toBe('Best Pizza in NYC with AI');
    expect(formatTitle('setting up my iPhone for OpenAI')).toBe('Setting Up My iPhone for OpenAI');
  });

  it('strips quotes, a Title: prefix, newlines and trailing punctuation', () => {
    expect(formatTitle('"Trip Planning for Spain."')).toBe('Trip Planning for Spain');
    expect(formatTitle('Title: “Holiday Calendar Questions?”')).toBe('Holiday Calendar Questions');
    expect(formatTitle("  'weather\nforecast'  ")).toBe('Weather Forecast');
  });

  it('keeps at most seven words and sixty characters, cutting between words', () => {
    expect(formatTitle('one two three four five six seven eight nine')).toBe('One Two Three Four Five Six Seven');
    const long = formatTitle('internationalization considerations regarding extraordinarily complicated multilingual applications');
    expect([...long].length).toBeLessThanOrEqual(60);
    expect(long).toBe('Internationalization Considerations Regarding');
  });

  it('never splits a character: accented letters, emoji and CJK survive truncation', () => {
    expect(formatTitle('élan über ñandú')).toBe('Élan Über Ñandú');
    const emoji = formatTitle('👩‍👩‍👧‍👦'.repeat(70));
    const segments = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(emoji)];
    expect(segments).toHaveLength(60);
    expect(segments.every((segment) => segment.segment === '👩‍👩‍👧‍👦')).toBe(true);
    expect(formatTitle('東京の天気について教えてください。')).toBe('東京の天気について教えてください');
  });

  it('returns an empty string when nothing is left', () => {
    expect(formatTitle(' "" ... ')).toBe('');
  });
});

describe('fallbackTitle', () => {
  it('derives a title from the first message and falls back to a default', () => {
    expect(fallbackTitle("what's the weather like in barcelona today?")).toBe("What's the Weather Like in Barcelona Today");
    expect(fallbackTitle('???')).toBe(DEFAULT_TITLE);
  });
});
