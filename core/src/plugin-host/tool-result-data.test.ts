import { describe, expect, it } from 'vitest';
import { checkToolResult, copyAsJsonData } from './tool-result-data.js';

const HINT = 'Return only objects, arrays, strings, numbers, booleans and null.';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = { a: value };
  return value;
}

describe('checkToolResult', () => {
  it('passes a string and { content, data } on, with data as a copy the tool can no longer change', () => {
    expect(checkToolResult('plain')).toEqual({ content: 'plain' });
    const data = { list: [1, 'two', true, null, { deep: [] }] };
    const checked = checkToolResult({ content: 'text', data });
    expect(checked).toEqual({ content: 'text', data });
    data.list.push('later');
    expect(checked).toEqual({ content: 'text', data: { list: [1, 'two', true, null, { deep: [] }] } });
  });

  it('writes undefined members, non-finite numbers and Dates as JSON.stringify does', () => {
    const data = { gone: undefined, list: [undefined, Number.NaN, Infinity], when: new Date('2025-03-01T12:00:00.000Z'), never: new Date(Number.NaN) };
    expect(checkToolResult({ content: 'c', data })).toEqual({ content: 'c', data: JSON.parse(JSON.stringify(data)) });
  });

  it('keeps a "__proto__" key as a key and never as a prototype', () => {
    const checked = checkToolResult({ content: 'c', data: JSON.parse('{"__proto__":{"polluted":true},"ok":1}') });
    const data = (checked as { data: Record<string, unknown> }).data;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data)).toEqual(['__proto__', 'ok']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('scrubs every string and key of the copy with mapString', () => {
    const checked = checkToolResult({ content: 'c', data: { 'key-sk-1': ['sk-1 inside', { nested: 'sk-1' }] } }, undefined, (text) => text.replaceAll('sk-1', '[REDACTED]'));
    expect(checked).toEqual({ content: 'c', data: { 'key-[REDACTED]': ['[REDACTED] inside', { nested: '[REDACTED]' }] } });
  });

  const circular: Record<string, unknown> = { name: 'loop' };
  circular['self'] = circular;
  const shared = { value: 1 };
  const withSymbol = { visible: 1, [Symbol('hidden')]: 2 };
  const throwingGetter = {
    ok: 1,
    get broken(): never {
      throw new Error('the getter refuses');
    },
  };

  it.each([
    ['a BigInt', { value: 10n }, `a BigInt at /value. ${HINT}`],
    ['a two-key circular object', circular, `a circular reference (the value contains itself) at /self. ${HINT}`],
    ['a function', { callback: () => 1 }, `a function at /callback. ${HINT}`],
    ['a symbol value', { kind: Symbol('kind') }, `a symbol at /kind. ${HINT}`],
    ['a symbol-keyed property', withSymbol, `a property keyed by a symbol at the top level. ${HINT}`],
    ['a getter that throws', throwingGetter, 'reading /broken threw: the getter refuses.'],
    ['nesting 100 levels deep', nested(100), `nesting deeper than 64 levels at ${'/a'.repeat(64)}. ${HINT}`],
    ['a typed array', { bytes: new Uint8Array([1, 2]) }, `binary data (Uint8Array) at /bytes. ${HINT}`],
    ['an ArrayBuffer', { buffer: new ArrayBuffer(4) }, `binary data (ArrayBuffer) at /buffer. ${HINT}`],
    ['a Map', { lookup: new Map([[1, 2]]) }, `a Map at /lookup. ${HINT}`],
    ['a Set', [new Set([1])], `a Set at /0. ${HINT}`],
    ['a Promise', { later: Promise.resolve(1) }, `a Promise (was it awaited?) at /later. ${HINT}`],
    ['a Proxy', { wrapped: new Proxy({}, {}) }, `a Proxy at /wrapped. ${HINT}`],
    ['an Error', { failure: new Error('x') }, `an Error at /failure. ${HINT}`],
    ['a key with slashes', { 'a/b~c': 1n }, `a BigInt at /a~1b~0c. ${HINT}`],
  ])('refuses %s with a message naming what and where', (_case, data, problem) => {
    expect(checkToolResult({ content: 'c', data })).toEqual({ code: 'INTERNAL', message: `The tool's data cannot be sent as JSON: ${problem}` });
  });

  it('shortens the path of a problem deep under long keys', () => {
    let data: unknown = 1n;
    for (const letter of ['q', 'p', 'o', 'n', 'm', 'k']) data = { [letter.repeat(100)]: data };
    const message = (checkToolResult({ content: 'c', data }) as { message: string }).message;
    const pointer = /at (\/.*)\. Return only/.exec(message)?.[1] ?? '';
    expect(pointer.startsWith(`/${'k'.repeat(40)}…/${'m'.repeat(40)}…/`)).toBe(true);
    expect(pointer.length).toBeLessThanOrEqual(201);
    expect(pointer.endsWith('…')).toBe(true);
  });

  it('copies the same object twice when it is shared but not circular', () => {
    expect(checkToolResult({ content: 'c', data: { first: shared, second: [shared] } })).toEqual({ content: 'c', data: { first: { value: 1 }, second: [{ value: 1 }] } });
  });

  it('refuses data over the size bound, without walking all of it', () => {
    expect(checkToolResult({ content: 'c', data: { blob: 'y'.repeat(2_000) } }, { maxDepth: 64, maxBytes: 1_000 })).toEqual({
      code: 'INTERNAL',
      message: "The tool's data is over the limit of 1000 bytes of JSON.",
    });
    // A sparse array of a billion holes, and a fan-out that doubles at every level (2^60 leaves as JSON).
    const holes: unknown[] = [];
    holes.length = 1_000_000_000;
    expect(checkToolResult({ content: 'c', data: holes }, { maxDepth: 64, maxBytes: 10_000 })).toMatchObject({ message: "The tool's data is over the limit of 10000 bytes of JSON." });
    let fanOut: unknown = 'x';
    for (let level = 0; level < 60; level += 1) fanOut = [fanOut, fanOut];
    expect(checkToolResult({ content: 'c', data: fanOut }, { maxDepth: 64, maxBytes: 10_000 })).toMatchObject({ code: 'INTERNAL' });
  });

  it('refuses results of the wrong shape and ones whose content or data cannot be read', () => {
    expect(checkToolResult(7)).toEqual({ code: 'INTERNAL', message: 'The tool returned number instead of a string or { content }.' });
    expect(checkToolResult(null)).toEqual({ code: 'INTERNAL', message: 'The tool returned null instead of a string or { content }.' });
    expect(checkToolResult({ content: 3 })).toMatchObject({ code: 'INTERNAL' });
    const unreadable = {
      get content(): string {
        throw new Error('no content for you');
      },
    };
    expect(checkToolResult(unreadable)).toEqual({ code: 'INTERNAL', message: "The tool's result cannot be read: no content for you." });
    const unreadableData = {
      content: 'c',
      get data(): unknown {
        throw 'a string thrown';
      },
    };
    expect(checkToolResult(unreadableData)).toEqual({ code: 'INTERNAL', message: "The tool's result cannot be read: a string thrown." });
  });

  it('writes what toJSON returns, and refuses it when that is not JSON', () => {
    let calls = 0;
    const custom = { secretField: 'left out', toJSON: () => ((calls += 1), { kept: 1 }) };
    expect(checkToolResult({ content: 'c', data: { custom } })).toEqual({ content: 'c', data: { custom: { kept: 1 } } });
    expect(calls).toBe(1);
    expect(checkToolResult({ content: 'c', data: { custom: { toJSON: () => 5n } } })).toMatchObject({ message: expect.stringContaining('a BigInt at /custom.') });
  });
});

describe('copyAsJsonData', () => {
  it('reports a problem instead of throwing, even for a value whose message cannot be read', () => {
    const hostile = {
      get trap(): never {
        throw {
          toString() {
            throw new Error('nope');
          },
        };
      },
    };
    expect(copyAsJsonData(hostile)).toEqual({ ok: false, problem: 'reading /trap threw: a value that cannot be described.', isTooLarge: false });
  });
});
