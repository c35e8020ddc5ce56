import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** A JSON Schema (draft 2020-12 / draft-07 subset Ajv understands), written `as const` or inline. */
export type JsonSchema = JSONSchema;

/** The TypeScript type described by a JSON Schema literal. */
export type InferSchema<S> = S extends JSONSchema ? FromSchema<S> : unknown;
