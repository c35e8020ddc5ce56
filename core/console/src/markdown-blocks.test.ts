import { describe, expect, it } from 'vitest';
import { parseInlineSpans, parseMarkdownBlocks } from './markdown-blocks.js';

describe('parseMarkdownBlocks', () => {
  it('reads the blocks chat models write', () => {
    const text = ['# Weather', '', 'It is **sunny** in *Madrid*.', 'Second line.', '', '- one', '- `two`', '', '3. third', '4. fourth', '', '> quoted', '> more', '', '```json', '{"a": 1}', '', '```', 'after'].join('\n');
    expect(parseMarkdownBlocks(text)).toEqual([
      { kind: 'heading', level: 1, spans: [{ kind: 'text', text: 'Weather' }] },
      {
        kind: 'paragraph',
        spans: [
          { kind: 'text', text: 'It is ' },
          { kind: 'strong', text: 'sunny' },
          { kind: 'text', text: ' in ' },
          { kind: 'emphasis', text: 'Madrid' },
          { kind: 'text', text: '.\nSecond line.' },
        ],
      },
      { kind: 'list', isOrdered: false, start: 1, items: [[{ kind: 'text', text: 'one' }], [{ kind: 'code', text: 'two' }]] },
      { kind: 'list', isOrdered: true, start: 3, items: [[{ kind: 'text', text: 'third' }], [{ kind: 'text', text: 'fourth' }]] },
      { kind: 'quote', spans: [{ kind: 'text', text: 'quoted\nmore' }] },
      { kind: 'code', language: 'json', text: '{"a": 1}\n' },
      { kind: 'paragraph', spans: [{ kind: 'text', text: 'after' }] },
    ]);
  });

  it('runs an unclosed fence to the end, as while a reply is still streaming', () => {
    expect(parseMarkdownBlocks('Here:\n```\nconst x = 1;\n')).toEqual([
      { kind: 'paragraph', spans: [{ kind: 'text', text: 'Here:' }] },
      { kind: 'code', language: '', text: 'const x = 1;\n' },
    ]);
  });

  it('keeps HTML, links and images as literal text', () => {
    const text = '<script>alert(1)</script> [click](javascript:alert(1)) ![x](http://evil/x.png) <img src=x onerror=alert(1)>';
    expect(parseMarkdownBlocks(text)).toEqual([{ kind: 'paragraph', spans: [{ kind: 'text', text }] }]);
  });

  it('caps heading levels at three and ignores markers inside code', () => {
    expect(parseMarkdownBlocks('###### tiny')).toEqual([{ kind: 'heading', level: 3, spans: [{ kind: 'text', text: 'tiny' }] }]);
    expect(parseInlineSpans('use `**not bold**` and ``a ` b``')).toEqual([
      { kind: 'text', text: 'use ' },
      { kind: 'code', text: '**not bold**' },
      { kind: 'text', text: ' and ' },
      { kind: 'code', text: 'a ` b' },
    ]);
  });

  it('leaves lone or spaced asterisks and snake_case words alone', () => {
    expect(parseInlineSpans('2 * 3 * 4 and snake_case_name and a*b')).toEqual([{ kind: 'text', text: '2 * 3 * 4 and snake_case_name and a*b' }]);
    expect(parseInlineSpans('__bold__ and _it_')).toEqual([
      { kind: 'strong', text: 'bold' },
      { kind: 'text', text: ' and ' },
      { kind: 'emphasis', text: 'it' },
    ]);
  });

  it('never takes underscores inside words for emphasis, so code-like text survives', () => {
    const text = 'window.__acaiXss = "a"; window.__acaiXss = "b" and my__dunder__name';
    expect(parseInlineSpans(text)).toEqual([{ kind: 'text', text }]);
  });

  it('handles empty and whitespace-only text', () => {
    expect(parseMarkdownBlocks('')).toEqual([]);
    expect(parseMarkdownBlocks('\n\n  \n')).toEqual([]);
  });
});
