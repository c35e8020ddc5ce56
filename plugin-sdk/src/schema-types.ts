import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** A JSON Schema (draft 2020-12 / draft-07 subset Ajv understands), written `as const` or inline. */
export type JsonSchema = JSONSchema;

/** The TypeScript type described by a JSON Schema literal. */
export type InferSchema<S> = S extends JSONSchema ? FromSchema<S> : unknown;

/** `T` with every property and array read-only, all the way down (what a frozen, validated value is). */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer Item)[]
    ? readonly DeepReadonly<Item>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;
