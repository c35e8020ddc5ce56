import { createSchemaCompiler } from '@acai/plugin-sdk/host';
import { describe, expect, it } from 'vitest';
import { sampleToolArguments } from './sample-tool-arguments.js';

const validate = (schema: object, value: unknown) => createSchemaCompiler().compile(schema)(value);

describe('sampleToolArguments', () => {
  it('fills every required property of a strict schema with a value the schema accepts', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 12, maxLength: 20 },
        language: { type: ['string', 'null'], enum: ['en', 'es', null] },
        days: { type: 'integer', minimum: 1, maximum: 16 },
        ratio: { type: 'number', exclusiveMinimum: 0, multipleOf: 0.5 },
        date: { type: 'string', format: 'date' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        options: { type: 'object', properties: { strict: { type: 'boolean' } }, required: ['strict'], additionalProperties: false },
        mode: { const: 'fast' },
        unit: { anyOf: [{ type: 'string', enum: ['c', 'f'] }, { type: 'null' }] },
      },
      required: ['name', 'language', 'days', 'ratio', 'date', 'tags', 'options', 'mode', 'unit'],
      additionalProperties: false,
    };
    const args = sampleToolArguments(schema) as Record<string, unknown>;
    expect(validate(schema, args)).toBe(true);
    expect(args).toMatchObject({ language: null, days: 1, date: '2026-03-01', mode: 'fast', unit: null, options: { strict: false } });
    expect((args.name as string).length).toBe(12);
    expect(args.tags).toHaveLength(2);
  });

  it('returns an empty object for a tool without parameters', () => {
    expect(sampleToolArguments({ type: 'object', properties: {}, required: [], additionalProperties: false })).toEqual({});
  });

  it('gives up on hostile schemas without looping (deep recursion, non-objects)', () => {
    const deep: Record<string, unknown> = { type: 'object', properties: {}, required: ['next'] };
    let node = deep;
    for (let index = 0; index < 50; index++) {
      const child: Record<string, unknown> = { type: 'object', properties: {}, required: ['next'] };
      (node.properties as Record<string, unknown>).next = child;
      node = child;
    }
    expect(() => sampleToolArguments(deep)).not.toThrow();
    expect(sampleToolArguments('not a schema')).toBeNull();
  });
});
