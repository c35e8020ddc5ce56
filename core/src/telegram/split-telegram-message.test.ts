import { describe, expect, it } from 'vitest';
import { renderTelegramHtml } from './render-telegram-html.js';
import { splitTelegramMessage, TELEGRAM_MESSAGE_LIMIT } from './split-telegram-message.js';

// Checks that a chunk's tags are balanced (each closes the innermost open tag).
function assertBalanced(chunk: string): void {
  const stack: string[] = [];
  for (const match of chunk.matchAll(/<(\/?)([a-z-]+)[^>]*>/g)) {
    if (match[1] === '/') expect(stack.pop()).toBe(match[2]);
    else stack.push(match[2]!);
  }
  expect(stack).toEqual([]);
}

const visibleWords = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .split(/\s+/)
    .filter((word) => word !== '');

describe('splitTelegramMessage', () => {
  it('returns a short message unchanged', () => {
    expect(splitTelegramMessage('hello <b>world</b>')).toEqual(['hello <b>world</b>']);
  });

  it('splits a long reply into parts of at most 4096 characters without breaking words', () => {
    const words = Array.from({ length: 3000 }, (_, index) => `word${index}`);
    const html = words.join(' ');
    const chunks = splitTelegramMessage(html);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
    expect(chunks.flatMap(visibleWords)).toEqual(words);
  });

  it('closes and reopens formatting across a cut so each part parses alone', () => {
    const inner = Array.from({ length: 400 }, (_, index) => `bold${index}`).join(' ');
    const html = `start <b>${inner}</b> <a href="https://x.example/?q=1&amp;r=2">link text</a> end`;
    const chunks = splitTelegramMessage(html, 500);
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(500);
      assertBalanced(chunk);
    }
    expect(chunks[1]!.startsWith('<b>')).toBe(true);
    expect(chunks.flatMap(visibleWords)).toEqual(visibleWords(html));
  });

  it('never cuts inside an entity or tag', () => {
    const html = Array.from({ length: 300 }, () => 'a&amp;b &lt;tag&gt;').join(' ');
    const chunks = splitTelegramMessage(html, 100);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(100);
      expect(chunk).not.toMatch(/&[a-z]*$/);
      expect(chunk).not.toMatch(/^[a-z]*;/);
    }
    expect(chunks.flatMap(visibleWords)).toEqual(visibleWords(html));
  });

  it('prefers to cut at a line break', () => {
    const paragraph = (label: string) => `${label} ${'x'.repeat(50)} ${'y'.repeat(50)}`;
    const html = `${paragraph('one')}\n${paragraph('two')}\n${paragraph('three')}`;
    const chunks = splitTelegramMessage(html, 250);
    expect(chunks).toEqual([`${paragraph('one')}\n${paragraph('two')}`, paragraph('three')]);
  });

  it('cuts a word longer than a whole message, and only then', () => {
    const word = '😀'.repeat(30); // 60 UTF-16 units
    const chunks = splitTelegramMessage(`short <code>${word}</code>`, 40);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(40);
      expect(chunk).not.toMatch(/[\uD800-\uDBFF]$/); // no lone high surrogate at the end
      assertBalanced(chunk);
    }
    expect(chunks.join('').replace(/<[^>]+>/g, '').replace(/\s/g, '')).toBe(`short${word}`);
  });

  it('splits rendered model output with code blocks and keeps every part balanced', () => {
    const markdown = Array.from(
      { length: 60 },
      (_, index) => `## Section ${index}\nSome **bold ${index}** text with <angle> & ampersands.\n\`\`\`js\nconst a${index} = 1 < 2;\n\`\`\``,
    ).join('\n');
    const chunks = splitTelegramMessage(renderTelegramHtml(markdown), 700);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(700);
      assertBalanced(chunk);
      expect(chunk).not.toMatch(/<(?!\/?(b|pre|code)[ >])/);
    }
  });
});
