import { describe, expect, it } from 'vitest';
import { lintStrictToolSchema } from './lint-strict-tool-schema.js';

describe('lintStrictToolSchema', () => {
  it('accepts a strict-mode schema with nullable optionals, arrays, anyOf and $defs', () => {
    expect(
      lintStrictToolSchema({
        type: 'object',
        properties: {
          zone: { type: ['string', 'null'] },
          tags: { type: 'array', items: { type: 'string' } },
          when: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/range' }] },
        },
        required: ['zone', 'tags', 'when'],
        additionalProperties: false,
        $defs: { range: { type: 'object', properties: { from: { type: 'string' } }, required: ['from'], additionalProperties: false } },
      }),
    ).toEqual([]);
  });

  it('reports each rule broken with its pointer', () => {
    const problems = lintStrictToolSchema({
      type: 'object',
      properties: {
        optional: { type: 'string' },
        list: { type: 'array' },
        nested: { type: 'object', properties: {}, required: [] },
        combined: { allOf: [{ type: 'string' }] },
      },
      required: ['list', 'nested', 'combined'],
    });
    expect(problems.map((problem) => problem.pointer)).toEqual([
      '/properties/optional',
      '/properties/list/items',
      '/properties/nested/additionalProperties',
      '/properties/combined/allOf',
      '/additionalProperties',
    ]);
  });

  it('refuses a property named __proto__ at any depth, which the validator would skip; other prototype names are fine', () => {
    const schema = JSON.parse(
      JSON.stringify({
        type: 'object',
        properties: {
          PROTO: { type: 'string' },
          constructor: { type: ['string', 'null'] },
          nested: { type: 'object', properties: { PROTO: { type: 'integer' } }, required: ['PROTO'], additionalProperties: false },
          list: { type: 'array', items: { $ref: '#/$defs/item' } },
        },
        required: ['PROTO', 'constructor', 'nested', 'list'],
        additionalProperties: false,
        $defs: { item: { type: 'object', properties: { PROTO: { type: 'string' } }, required: ['PROTO'], additionalProperties: false } },
      }).replaceAll('PROTO', '__proto__'),
    ) as unknown;
    const problems = lintStrictToolSchema(schema);
    expect(problems.map((problem) => problem.pointer)).toEqual(['/properties/__proto__', '/properties/nested/properties/__proto__', '/$defs/item/properties/__proto__']);
    expect(problems[0]?.message).toMatch(/"__proto__" cannot name a property: the host's validator skips that name/);
  });

  it('requires an object root that is not anyOf', () => {
    expect(lintStrictToolSchema({ type: 'string' }).map((problem) => problem.pointer)).toEqual(['/type']);
    expect(lintStrictToolSchema({ anyOf: [] }).map((problem) => problem.pointer)).toContain('/anyOf');
  });
});
