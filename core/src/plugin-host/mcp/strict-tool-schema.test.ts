import type { JsonSchema } from '@acai/plugin-sdk';
import { createSchemaCompiler, lintStrictToolSchema } from '@acai/plugin-sdk/host';
import { describe, expect, it } from 'vitest';
import { toStrictToolSchema } from './strict-tool-schema.js';

/** Compiles both schemas: every argument the rewritten one accepts must, restored, be accepted by the original. */
function roundTrip(original: JsonSchema, args: unknown): { accepted: boolean; restored: unknown; originalAccepts: boolean } {
  const strict = toStrictToolSchema(original);
  const compiler = createSchemaCompiler();
  const rewritten = compiler.compile(strict.parameters as object);
  const accepted = rewritten(structuredClone(args));
  const restored = strict.restoreArguments(args);
  const originalValidator = createSchemaCompiler().compile(stripMeta(original) as object);
  return { accepted, restored, originalAccepts: originalValidator(structuredClone(restored)) };
}

function stripMeta(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, ...rest } = schema as Record<string, unknown>;
  return rest as JsonSchema;
}

describe('toStrictToolSchema', () => {
  it('turns a typical MCP schema into one that passes the strict lint: closed objects, optional properties required and nullable', () => {
    const original = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        query: { type: 'string' },
        limit: { type: 'integer', minimum: 1 },
        mode: { type: 'string', enum: ['fast', 'full'] },
        filter: { type: 'object', properties: { since: { type: 'string', format: 'date' } } },
      },
      required: ['query'],
    } as const;
    const strict = toStrictToolSchema(original as unknown as JsonSchema);
    expect(strict.isRewritten).toBe(true);
    expect(lintStrictToolSchema(strict.parameters)).toEqual([]);
    expect(strict.parameters).toEqual({
      type: 'object',
      properties: {
        query: { type: 'string' },
        limit: { type: ['integer', 'null'], minimum: 1 },
        mode: { type: ['string', 'null'], enum: ['fast', 'full', null] },
        filter: {
          type: ['object', 'null'],
          properties: { since: { type: ['string', 'null'], format: 'date' } },
          required: ['since'],
          additionalProperties: false,
        },
      },
      required: ['query', 'limit', 'mode', 'filter'],
      additionalProperties: false,
    });
    expect(original.properties.limit).toEqual({ type: 'integer', minimum: 1 });
  });

  it('removes the nulls that stand for left-out properties, at every depth, so the original schema accepts the result', () => {
    const original = {
      type: 'object',
      properties: {
        query: { type: 'string' },
        limit: { type: 'integer' },
        items: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, note: { type: 'string' } }, required: ['id'] } },
      },
      required: ['query'],
    } as JsonSchema;
    const result = roundTrip(original, { query: 'tea', limit: null, items: [{ id: 'a', note: null }, { id: 'b', note: 'kept' }] });
    expect(result.accepted).toBe(true);
    expect(result.restored).toEqual({ query: 'tea', items: [{ id: 'a' }, { id: 'b', note: 'kept' }] });
    expect(result.originalAccepts).toBe(true);
  });

  it('passes null on for an optional property whose original schema already accepted null', () => {
    const original = { type: 'object', properties: { cursor: { type: ['string', 'null'] }, page: { anyOf: [{ type: 'integer' }, { type: 'null' }] } } } as JsonSchema;
    const strict = toStrictToolSchema(original);
    expect(strict.parameters).toMatchObject({ properties: { cursor: { type: ['string', 'null'] }, page: { anyOf: [{ type: 'integer' }, { type: 'null' }] } }, required: ['cursor', 'page'] });
    expect(strict.restoreArguments({ cursor: null, page: null })).toEqual({ cursor: null, page: null });
  });

  it('makes $ref and const properties nullable with anyOf and restores through the referenced definition', () => {
    const original = {
      type: 'object',
      properties: { address: { $ref: '#/$defs/Address' }, kind: { const: 'home', description: 'fixed' } },
      $defs: { Address: { type: 'object', properties: { street: { type: 'string' }, flat: { type: 'string' } }, required: ['street'] } },
    } as JsonSchema;
    const strict = toStrictToolSchema(original);
    expect(lintStrictToolSchema(strict.parameters)).toEqual([]);
    expect(strict.parameters).toMatchObject({
      properties: { address: { anyOf: [{ $ref: '#/$defs/Address' }, { type: 'null' }] }, kind: { description: 'fixed', anyOf: [{ const: 'home' }, { type: 'null' }] } },
    });
    const result = roundTrip(original, { address: { street: 'Main', flat: null }, kind: null });
    expect(result).toEqual({ accepted: true, restored: { address: { street: 'Main' } }, originalAccepts: true });
  });

  it('gives a tool without arguments an empty closed object and leaves an already strict schema untouched', () => {
    expect(toStrictToolSchema({ type: 'object' } as JsonSchema).parameters).toEqual({ type: 'object', properties: {}, additionalProperties: false });
    const strict = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false } as JsonSchema;
    const result = toStrictToolSchema(strict);
    expect(result.isRewritten).toBe(false);
    expect(result.parameters).toBe(strict);
    const args = { a: 'x' };
    expect(result.restoreArguments(args)).toBe(args);
  });

  it('leaves what strict mode cannot express for the lint to report: open objects, free-form nested objects, allOf', () => {
    const schemas: unknown[] = [
      { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true },
      { type: 'object', properties: { metadata: { type: 'object' } }, required: ['metadata'] },
      { type: 'object', properties: { a: { allOf: [{ type: 'string' }] } }, required: ['a'] },
    ];
    for (const schema of schemas) {
      expect(lintStrictToolSchema(toStrictToolSchema(schema as JsonSchema).parameters).length, JSON.stringify(schema)).toBeGreaterThan(0);
    }
  });

  it('survives hostile shapes: deep nesting, non-object nodes and arguments that are not objects', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let depth = 0; depth < 2_000; depth += 1) deep = { type: 'object', properties: { next: deep } };
    const strict = toStrictToolSchema(deep as JsonSchema);
    expect(lintStrictToolSchema(strict.parameters).some((problem) => problem.message.includes('nesting deeper'))).toBe(true);
    const odd = toStrictToolSchema({ type: 'object', properties: { a: true, b: 'nonsense' } } as unknown as JsonSchema);
    expect(odd.restoreArguments('not an object')).toBe('not an object');
    expect(odd.restoreArguments(null)).toBe(null);
  });
});
