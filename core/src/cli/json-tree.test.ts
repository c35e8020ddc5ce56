import { describe, expect, it } from 'vitest';
import { findProperty, indentationAt, MAX_JSON_DEPTH, parseJsonTree } from './json-tree.js';

describe('parseJsonTree', () => {
  it('locates every value so the source text can be spliced', () => {
    const text = '{\n  "name": "weather",\n  "tags": [1, true, null],\n  "nested": { "x": -2.5e3 }\n}\n';
    const tree = parseJsonTree(text);
    const name = findProperty(tree, 'name')!;
    expect(text.slice(name.value.start, name.value.end)).toBe('"weather"');
    expect(text.slice(name.keyStart, name.keyStart + 6)).toBe('"name"');
    const tags = findProperty(tree, 'tags')!.value;
    expect(tags.kind).toBe('array');
    expect(tags.kind === 'array' && tags.items.map((item) => text.slice(item.start, item.end))).toEqual(['1', 'true', 'null']);
    const nested = findProperty(tree, 'nested')!.value;
    expect(findProperty(nested, 'x')?.value).toMatchObject({ kind: 'number', value: -2500 });
    expect(tree).toMatchObject({ kind: 'object', start: 0, end: text.trimEnd().length });
  });

  it('decodes escapes in strings and keys', () => {
    const tree = parseJsonTree('{"a\\"b": "line\\nnext \\u00e9"}');
    expect(findProperty(tree, 'a"b')?.value).toMatchObject({ kind: 'string', value: 'line\nnext é' });
  });

  it.each([
    ['an unterminated string', '{"a": "b'],
    ['a trailing comma', '{"a": 1,}'],
    ['a comment', '{"a": 1 // no\n}'],
    ['single quotes', "{'a': 1}"],
    ['text after the document', '{} {}'],
    ['an empty file', ''],
    ['a bare word', '{"a": undefined}'],
    ['a raw control character in a string', '{"a": "x\u0001y"}'],
  ])('refuses %s', (_label, text) => {
    expect(() => parseJsonTree(text)).toThrow();
  });

  it('reports the line of a syntax error', () => {
    expect(() => parseJsonTree('{\n  "a": 1\n  "b": 2\n}')).toThrow(/line 3/);
  });

  it('refuses hostile nesting instead of overflowing the stack', () => {
    expect(() => parseJsonTree('['.repeat(100_000))).toThrow(new RegExp(`deeper than ${MAX_JSON_DEPTH}`));
    expect(() => parseJsonTree(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).not.toThrow();
  });
});

describe('indentationAt', () => {
  it('returns the leading whitespace when only whitespace precedes the position on its line', () => {
    const text = '{\n    "a": 1, "b": 2\n}';
    expect(indentationAt(text, text.indexOf('"a"'))).toBe('    ');
    expect(indentationAt(text, text.indexOf('"b"'))).toBeUndefined();
  });
});
