import { describe, expect, it } from 'vitest';
import { diffToolParameters, diffToolSets, isMajorBump, requiredVersionFor, type Schema } from './tool-schema-compatibility.js';

const strict = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({ type: 'object', properties, required, additionalProperties: false });
const changes = (before: Schema, after: Schema) => diffToolParameters('get_digits', before, after).map((change) => `${change.path}: ${change.change}`);

describe('diffToolParameters', () => {
  const before = strict({ number: { type: 'integer', minimum: 0, maximum: 1000 }, base: { type: ['integer', 'null'], enum: [2, 8, 10, 16, null] } });

  it('finds nothing when only descriptions, titles and defaults change, whatever the key order', () => {
    const after = strict({
      base: { enum: [2, 8, 10, 16, null], type: ['integer', 'null'], description: 'The base' },
      number: { maximum: 1000, minimum: 0, type: 'integer', title: 'n', default: 1 },
    });
    expect(changes(before, after)).toEqual([]);
  });

  it('finds nothing for widening: a wider type, more enum values, looser bounds, a dropped pattern', () => {
    const widened = strict({ number: { type: 'number', minimum: -5 }, base: { type: ['integer', 'string', 'null'], enum: [2, 8, 10, 16, 36, null] } });
    expect(changes(before, widened)).toEqual([]);
    expect(changes(strict({ code: { type: 'string', pattern: '^[A-Z]+$', maxLength: 4 } }), strict({ code: { type: 'string', maxLength: 8 } }))).toEqual([]);
  });

  it('reports a new required property, a removed property and a property that became required', () => {
    const after = strict({ number: { type: 'integer', minimum: 0, maximum: 1000 }, digits: { type: 'integer' } });
    expect(changes(before, after)).toEqual(['/properties/base: the property was removed', '/properties/digits: a new required property']);
    const optional = strict({ number: { type: 'integer' }, note: { type: 'string' } }, ['number']);
    expect(changes(optional, strict({ number: { type: 'integer' }, note: { type: 'string' } }))).toEqual(['/properties/note: the property is now required']);
  });

  it('reports a narrowed type, removed enum values and tighter bounds, pattern and format', () => {
    const after = strict({ number: { type: 'integer', minimum: 1, maximum: 100, multipleOf: 2 }, base: { type: 'integer', enum: [10, 16] } });
    expect(changes(before, after)).toEqual([
      '/properties/number: minimum raised to 1 (was 0)',
      '/properties/number: maximum lowered to 100 (was 1000)',
      '/properties/number: must now be a multiple of 2',
      '/properties/base: type narrowed from integer | null to integer',
      '/properties/base: no longer accepts 2, 8, null',
    ]);
    expect(changes(strict({ id: { type: 'string' } }), strict({ id: { type: 'string', format: 'uuid', minLength: 36 } }))).toEqual([
      '/properties/id: minLength raised to 36',
      '/properties/id: format added: uuid',
    ]);
    expect(changes(strict({ id: { type: 'number' } }), strict({ id: { type: 'integer' } }))).toEqual(['/properties/id: type narrowed from number to integer']);
  });

  it('follows arrays, nested objects, local $refs and anyOf alternatives', () => {
    const nested = (items: Schema): Schema => strict({ points: { type: 'array', items } });
    const point = strict({ x: { type: 'number' }, y: { type: 'number' } });
    expect(changes(nested(point), nested(strict({ x: { type: 'number' }, y: { type: 'number' }, z: { type: 'number' } })))).toEqual(['/properties/points/items/properties/z: a new required property']);
    const withRef = (definition: Schema): Schema => ({ ...(strict({ point: { $ref: '#/$defs/point' } }) as object), $defs: { point: definition } });
    expect(changes(withRef(point), withRef(strict({ x: { type: 'integer' }, y: { type: 'number' } })))).toEqual(['/properties/point/properties/x: type narrowed from number to integer']);
    const nullable = (schema: Schema): Schema => strict({ when: { anyOf: [schema, { type: 'null' }] } });
    expect(changes(nullable({ type: 'string' }), nullable({ type: 'string', maxLength: 10 }))).toEqual([
      "/properties/when: alternative 1 ({\"type\":\"string\"}) is no longer accepted",
    ]);
    expect(changes(nullable({ type: 'string' }), nullable({ type: 'string', description: 'd' }))).toEqual([]);
  });

  it('reports closed additional properties and a schema that accepts nothing', () => {
    expect(changes({ type: 'object', properties: { a: { type: 'string' } } }, strict({ a: { type: 'string' } }, []))).toEqual([': no longer accepts other properties']);
    expect(changes(strict({ a: { type: 'string' } }), false)).toEqual([': accepts nothing any more']);
  });

  it('stops at hostile depth and self-referencing $refs instead of recursing for ever', () => {
    let deep: Schema = { type: 'string' };
    for (let level = 0; level < 100; level += 1) deep = strict({ next: deep });
    expect(changes(deep, deep)).toEqual([]);
    const loop: Schema = { ...(strict({ self: { $ref: '#' } }) as object) };
    expect(() => changes(loop, loop)).not.toThrow();
  });
});

describe('diffToolSets', () => {
  it('reports removed tools and ignores added ones', () => {
    const schema = strict({});
    const breaks = diffToolSets(new Map([['a', schema], ['b', schema]]), new Map([['a', schema], ['c', schema]]));
    expect(breaks).toEqual([{ tool: 'b', path: '', change: 'the tool was removed' }]);
  });
});

describe('versions', () => {
  it('counts a major bump, or a minor one within 0.x, as announcing breaking changes', () => {
    expect(isMajorBump('1.4.2', '2.0.0')).toBe(true);
    expect(isMajorBump('1.4.2', '1.5.0')).toBe(false);
    expect(isMajorBump('0.3.1', '0.4.0')).toBe(true);
    expect(isMajorBump('0.3.1', '0.3.2')).toBe(false);
    expect(isMajorBump('not-semver', '2.0.0')).toBe(false);
  });

  it('names the version a breaking release needs', () => {
    expect(requiredVersionFor('1.0.0')).toBe('2.0.0');
    expect(requiredVersionFor('1.7.3')).toBe('2.0.0');
    expect(requiredVersionFor('0.3.1')).toBe('0.4.0');
    expect(requiredVersionFor('x')).toBe('a new major version');
  });
});
