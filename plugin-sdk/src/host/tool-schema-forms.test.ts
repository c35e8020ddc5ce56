import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../schema-types.js';
import { createSchemaCompiler } from './create-schema-compiler.js';
import { lintStrictToolSchema } from './lint-strict-tool-schema.js';
import { formsOfPlainSchema, formsOfStrictSchema, toStrictToolSchema } from './tool-schema-forms.js';

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

/** The strict-dialect schema of a tool whose argument is optional (null = not given), as SDK plugins write it. */
const CURRENT_TIME = {
  type: 'object',
  properties: { time_zone: { type: ['string', 'null'], description: 'IANA zone; null for the server zone.' } },
  required: ['time_zone'],
  additionalProperties: false,
} as const satisfies JsonSchema;

/** Maps then validates against the declared form, as the call path does. */
function accept(forms: ReturnType<typeof formsOfStrictSchema>, args: unknown): { valid: boolean; value: unknown; errors: string[] } {
  const validate = createSchemaCompiler().compile(forms.declared as object);
  const value = forms.toDeclaredArguments(args);
  const valid = validate(value);
  return { valid, value, errors: (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`) };
}

describe('formsOfStrictSchema', () => {
  it('offers nullable properties as optional in the loose form and fills a left-out one with null', () => {
    const forms = formsOfStrictSchema(CURRENT_TIME);
    expect(forms.strict).toBe(CURRENT_TIME);
    expect(forms.declared).toBe(CURRENT_TIME);
    expect(forms.loose).toEqual({ ...CURRENT_TIME, required: [] });
    expect(CURRENT_TIME.required).toEqual(['time_zone']);
    expect(accept(forms, {})).toEqual({ valid: true, value: { time_zone: null }, errors: [] });
    expect(accept(forms, { time_zone: null })).toEqual({ valid: true, value: { time_zone: null }, errors: [] });
    expect(accept(forms, { time_zone: 'Europe/Madrid' })).toMatchObject({ valid: true, value: { time_zone: 'Europe/Madrid' } });
  });

  it('still refuses wrong types, unknown properties and a left-out property that is really required', () => {
    const forms = formsOfStrictSchema({
      type: 'object',
      properties: { amount: { type: 'integer' }, unit: { type: 'string', enum: ['days', 'weeks'] }, date: { type: ['string', 'null'] } },
      required: ['amount', 'unit', 'date'],
      additionalProperties: false,
    } as JsonSchema);
    expect(forms.loose).toMatchObject({ required: ['amount', 'unit'] });
    expect(accept(forms, { time_zone: 42 }).errors).toEqual(expect.arrayContaining([' must have required property \'amount\'', ' must NOT have additional properties']));
    expect(accept(forms, { amount: 'three', unit: 'days' })).toMatchObject({ valid: false, errors: ['/amount must be integer'] });
    expect(accept(forms, { amount: 3, unit: 'days' })).toMatchObject({ valid: true, value: { amount: 3, unit: 'days', date: null } });
  });

  it('follows nested objects, array items and $refs, but fills nothing inside anyOf branches', () => {
    const forms = formsOfStrictSchema({
      type: 'object',
      properties: {
        stops: { type: 'array', items: { type: 'object', properties: { city: { type: 'string' }, note: { type: ['string', 'null'] } }, required: ['city', 'note'], additionalProperties: false } },
        home: { $ref: '#/$defs/Place' },
        pick: {
          anyOf: [
            { type: 'object', properties: { a: { type: ['string', 'null'] } }, required: ['a'], additionalProperties: false },
            { type: 'object', properties: { b: { type: 'integer' } }, required: ['b'], additionalProperties: false },
          ],
        },
      },
      required: ['stops', 'home', 'pick'],
      additionalProperties: false,
      $defs: { Place: { type: 'object', properties: { name: { type: 'string' }, zone: { type: ['string', 'null'] } }, required: ['name', 'zone'], additionalProperties: false } },
    } as JsonSchema);
    expect(accept(forms, { stops: [{ city: 'Oslo' }, { city: 'Bergen', note: 'rain' }], home: { name: 'Tromsø' }, pick: { b: 1 } })).toEqual({
      valid: true,
      value: { stops: [{ city: 'Oslo', note: null }, { city: 'Bergen', note: 'rain' }], home: { name: 'Tromsø', zone: null }, pick: { b: 1 } },
      errors: [],
    });
    // A branch's nullable property is not filled (it could turn { b } into a value no branch accepts), so the loose form keeps it required.
    expect(accept(forms, { stops: [], home: { name: 'x' }, pick: {} }).valid).toBe(false);
    expect(JSON.stringify(forms.loose)).toContain('"required":["a"]');
  });

  it('leaves a schema without nullable properties as it is', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } as JsonSchema;
    const forms = formsOfStrictSchema(schema);
    expect(forms.loose).toBe(schema);
    const args = { city: 'Lima' };
    expect(forms.toDeclaredArguments(args)).toBe(args);
  });

  it('survives hostile arguments: a __proto__ key stays a plain key, deep nesting and non-objects pass to validation unchanged', () => {
    const forms = formsOfStrictSchema(CURRENT_TIME);
    const polluting = JSON.parse('{"__proto__": {"isAdmin": true}, "time_zone": "UTC"}') as unknown;
    const mapped = forms.toDeclaredArguments(polluting) as Record<string, unknown>;
    expect(Object.getPrototypeOf(mapped)).toBe(Object.prototype);
    expect(Object.hasOwn(mapped, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
    expect(accept(forms, polluting).valid).toBe(false);
    for (const odd of ['{}', 42, null, [], [{}], true]) expect(forms.toDeclaredArguments(odd)).toBe(odd);
    let deep: unknown = {};
    for (let depth = 0; depth < 100_000; depth += 1) deep = { time_zone: null, nested: deep };
    expect(accept(forms, deep).valid).toBe(false);

    let deepSchema: Record<string, unknown> = { type: ['string', 'null'] };
    for (let depth = 0; depth < 2_000; depth += 1) deepSchema = { type: 'object', properties: { next: deepSchema }, required: ['next'], additionalProperties: false };
    const deepForms = formsOfStrictSchema(deepSchema as JsonSchema);
    expect(deepForms.toDeclaredArguments({ next: { next: {} } })).toEqual({ next: { next: {} } });
  });
});

describe('arguments named like Object.prototype members', () => {
  const PROTOTYPE_NAMES = {
    type: 'object',
    properties: { constructor: { type: 'string' }, toString: { type: 'integer' }, hasOwnProperty: { type: 'boolean' } },
  } as unknown as JsonSchema;

  it('are absent when left out, and checked when sent, in both dialects', () => {
    for (const forms of [formsOfPlainSchema(PROTOTYPE_NAMES), formsOfStrictSchema(toStrictToolSchema(PROTOTYPE_NAMES).parameters)]) {
      expect(accept(forms, {}).valid).toBe(true);
      expect(accept(forms, { constructor: 'c', toString: 1, hasOwnProperty: true }).valid).toBe(true);
      expect(accept(forms, { toString: 'one' }).errors).toEqual([expect.stringMatching(/^\/toString must be integer/)]);
    }
    // Strict form: the nulls that stand for "left out" go, and nothing inherited is validated in their place.
    const plain = formsOfPlainSchema(PROTOTYPE_NAMES);
    expect(accept(plain, { constructor: null, toString: null, hasOwnProperty: null })).toEqual({ valid: true, value: {}, errors: [] });
  });
});

describe('formsOfPlainSchema', () => {
  it('offers an MCP schema as it is in the loose form, validates against it, and maps strict-form nulls back', () => {
    const original = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1 } },
      required: ['query'],
    } as JsonSchema;
    const forms = formsOfPlainSchema(original);
    expect(forms.loose).toBe(forms.declared);
    expect(forms.declared).toEqual({ type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1 } }, required: ['query'] });
    expect(forms.strict).toMatchObject({ required: ['query', 'limit'], properties: { limit: { type: ['integer', 'null'] } } });
    expect(accept(forms, { query: 'tea' })).toEqual({ valid: true, value: { query: 'tea' }, errors: [] });
    expect(accept(forms, { query: 'tea', limit: null })).toEqual({ valid: true, value: { query: 'tea' }, errors: [] });
    expect(accept(forms, { query: 'tea', limit: 0 }).errors).toEqual(['/limit must be >= 1']);
    expect(accept(forms, {}).errors).toEqual([" must have required property 'query'"]);
    expect(formsOfPlainSchema({ type: 'object', properties: {} } as JsonSchema).declared).toEqual({ type: 'object', properties: {} });
  });

  it('keeps a property a hostile schema names __proto__ as a property in every form', () => {
    const hostile = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"},"ok":{"type":["string","null"]}},"required":["ok"]}') as JsonSchema;
    for (const forms of [formsOfPlainSchema(hostile), formsOfStrictSchema(hostile)]) {
      for (const schema of [forms.strict, forms.loose]) {
        const properties = (schema as { properties: object }).properties;
        expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
        expect(Object.keys(properties)).toEqual(['__proto__', 'ok']);
      }
    }
  });
});
