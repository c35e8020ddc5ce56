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

  it('requires an object root that is not anyOf', () => {
    expect(lintStrictToolSchema({ type: 'string' }).map((problem) => problem.pointer)).toEqual(['/type']);
    expect(lintStrictToolSchema({ anyOf: [] }).map((problem) => problem.pointer)).toContain('/anyOf');
  });
});
