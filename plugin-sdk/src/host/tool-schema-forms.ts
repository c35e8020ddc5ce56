import type { JsonSchema } from '../schema-types.js';
import { escapePointer } from './create-schema-compiler.js';

/**
 * A tool's parameter schema in the two forms a model may be offered, and the bridge from what the model
 * sends back to what the tool declared.
 *
 * OpenAI's strict function calling wants every property required, so an optional one is written as
 * required-and-nullable: `null` means "left out". Models that do not honour strict mode (most local
 * OpenAI-compatible servers) leave optional arguments out instead, or send `{}`. Whichever form the
 * model used, {@link ToolSchemaForms.toDeclaredArguments} turns it into the form the tool declared, and
 * the call path validates that against {@link ToolSchemaForms.declared}: absent means "not given", as
 * the schema's author meant.
 */
export interface ToolSchemaForms {
  /** The strict form, offered to endpoints that use strict mode (and listed wherever the tool is shown). */
  readonly strict: JsonSchema;
  /** The schema's own meaning, optional properties left optional: offered to endpoints without strict mode. */
  readonly loose: JsonSchema;
  /** What the tool declared: arguments are validated against it after {@link toDeclaredArguments}. */
  readonly declared: JsonSchema;
  /** Maps arguments a model sent in either form to the declared form; the identity when the forms agree. */
  readonly toDeclaredArguments: (args: unknown) => unknown;
}

/** How to turn one schema node's values into the declared form. */
interface ArgumentPlan {
  /** Properties whose `null` stands for "left out" and is removed (the declared schema does not accept null there). */
  readonly dropNull: Set<string>;
  /** Properties the declared schema requires but accepts `null` for: left out, they are filled in as `null`. */
  readonly fillNull: Set<string>;
  readonly properties: Map<string, ArgumentPlan>;
  items?: ArgumentPlan;
  readonly branches: ArgumentPlan[];
  ref?: string;
}

type SchemaNode = Record<string, unknown>;

interface WalkState {
  /** True once the walk changed a form, i.e. the forms differ and arguments need mapping. */
  isRewritten: boolean;
  /** JSON pointer of each definition (`#/$defs/Name`) → its plan, for `$ref`s. */
  readonly definitions: Map<string, ArgumentPlan>;
}

/** Deeper schemas are left as they are (the lint refuses more than 10 levels anyway); keeps a hostile schema off the stack. */
const MAX_WALK_DEPTH = 32;
/** Deeper argument values are passed on unchanged: validation judges them, the stack stays small. */
const MAX_ARGUMENT_DEPTH = 64;

/**
 * The forms of a schema written in the strict dialect (an SDK plugin's tool, which the provider lint
 * checked): it is both the strict and the declared form. Its loose form lists a nullable property as
 * optional, and a property left out is filled in as `null`, which is what the tool's author wrote
 * `null` for. Followed through `properties`, `items` and local `$ref`s; not inside `anyOf`/`oneOf`
 * branches, where filling a property could make a value match a branch it did not mean.
 */
export function formsOfStrictSchema(schema: JsonSchema): ToolSchemaForms {
  const state: WalkState = { isRewritten: false, definitions: new Map() };
  const { node, plan } = relax(schema as unknown, state, '#', 0);
  if (!state.isRewritten) return { strict: schema, loose: schema, declared: schema, toDeclaredArguments: identity };
  const definitions = state.definitions;
  return { strict: schema, loose: node as JsonSchema, declared: schema, toDeclaredArguments: (args) => toDeclared(args, plan, definitions, 0) };
}

/**
 * The forms of a schema written in plain JSON Schema (an MCP server's tool): it is both the loose and
 * the declared form, less the root's `$schema`/`$id` (the host compiles with its own dialect). Its
 * strict form is {@link toStrictToolSchema}'s rewrite, whose `null`s for left-out properties are
 * removed again before validation.
 */
export function formsOfPlainSchema(schema: JsonSchema): ToolSchemaForms {
  const strict = toStrictToolSchema(schema);
  const declared = withoutRootMeta(schema);
  return { strict: strict.parameters, loose: declared, declared, toDeclaredArguments: strict.restoreArguments };
}

/** A tool schema rewritten for OpenAI's strict function calling, and how to turn the model's arguments back. */
export interface StrictToolSchema {
  /** What the model is offered in strict mode. */
  readonly parameters: JsonSchema;
  /** Maps arguments valid for `parameters` to arguments valid for the original schema (identity when nothing was rewritten). */
  readonly restoreArguments: (args: unknown) => unknown;
  /** True when the schema had to be rewritten at all. */
  readonly isRewritten: boolean;
}

/**
 * Rewrites a typical MCP tool schema into the strict form OpenAI accepts, changing what it accepts only
 * in ways {@link StrictToolSchema.restoreArguments} undoes:
 * - an object without `additionalProperties` gets `false` (the model may only send declared properties,
 *   which the original accepted too);
 * - an optional property becomes required and nullable (`null` means "left out": it is removed before
 *   the call, unless the original schema accepted `null` for it, in which case `null` is passed on);
 * - a root object without properties (a tool without arguments) gets `properties: {}`;
 * - the root's `$schema` and `$id` are dropped (the host compiles with its own dialect).
 * Anything strict mode cannot express (`additionalProperties: true`, free-form nested objects, `allOf`,
 * …) is left as it is, so the provider lint still reports it and the tool is quarantined.
 */
export function toStrictToolSchema(schema: JsonSchema): StrictToolSchema {
  const definitions = new Map<string, ArgumentPlan>();
  const state: WalkState = { isRewritten: false, definitions };
  const { node, plan } = rewrite(schema as unknown, true, state, '#');
  if (!state.isRewritten) return { parameters: schema, restoreArguments: identity, isRewritten: false };
  return { parameters: node as JsonSchema, restoreArguments: (args) => toDeclared(args, plan, definitions, 0), isRewritten: true };
}

function emptyPlan(): ArgumentPlan {
  return { dropNull: new Set(), fillNull: new Set(), properties: new Map(), branches: [] };
}

function rewrite(value: unknown, isRoot: boolean, state: WalkState, pointer: string, depth = 0): { node: unknown; plan: ArgumentPlan } {
  const plan = emptyPlan();
  if (!isNode(value) || depth > MAX_WALK_DEPTH) return { node: value, plan };
  const node: SchemaNode = { ...value };
  if (isRoot) {
    for (const key of ROOT_META_KEYWORDS) {
      if (key in node) {
        delete node[key];
        state.isRewritten = true;
      }
    }
  }
  if (typeof node['$ref'] === 'string') plan.ref = node['$ref'];
  if (isObjectSchema(node)) {
    if (isRoot && node['properties'] === undefined && node['additionalProperties'] === undefined && node['patternProperties'] === undefined) {
      node['properties'] = {};
      state.isRewritten = true;
    }
    if (node['additionalProperties'] === undefined && isNode(node['properties'])) {
      node['additionalProperties'] = false;
      state.isRewritten = true;
    }
    if (isNode(node['properties'])) {
      const required = requiredList(node);
      const properties: [string, unknown][] = [];
      const allRequired = [...required];
      for (const [key, child] of Object.entries(node['properties'])) {
        const rewritten = rewrite(child, false, state, `${pointer}/properties/${escapePointer(key)}`, depth + 1);
        plan.properties.set(key, rewritten.plan);
        if (required.includes(key)) {
          properties.push([key, rewritten.node]);
          continue;
        }
        // Optional: required and nullable; a null the original did not accept is removed again before the call.
        if (!acceptsNull(rewritten.node)) plan.dropNull.add(key);
        properties.push([key, nullable(rewritten.node)]);
        allRequired.push(key);
        state.isRewritten = true;
      }
      node['properties'] = ownProperties(properties);
      if (allRequired.length > 0 || node['required'] !== undefined) node['required'] = allRequired;
    }
  }
  if (isNode(node['items'])) {
    const rewritten = rewrite(node['items'], false, state, `${pointer}/items`, depth + 1);
    node['items'] = rewritten.node;
    plan.items = rewritten.plan;
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = node[keyword];
    if (!Array.isArray(branches)) continue;
    node[keyword] = branches.map((branch, index) => {
      const rewritten = rewrite(branch, false, state, `${pointer}/${keyword}/${index}`, depth + 1);
      plan.branches.push(rewritten.plan);
      return rewritten.node;
    });
  }
  walkDefinitions(node, pointer, state, (child, childPointer) => rewrite(child, false, state, childPointer, depth + 1));
  return { node, plan };
}

/** The loose form of a strict-dialect node: nullable required properties become optional (see {@link formsOfStrictSchema}). */
function relax(value: unknown, state: WalkState, pointer: string, depth: number): { node: unknown; plan: ArgumentPlan } {
  const plan = emptyPlan();
  if (!isNode(value) || depth > MAX_WALK_DEPTH) return { node: value, plan };
  const node: SchemaNode = { ...value };
  if (typeof node['$ref'] === 'string') plan.ref = node['$ref'];
  if (isNode(node['properties'])) {
    const required = requiredList(node);
    const properties: [string, unknown][] = [];
    for (const [key, child] of Object.entries(node['properties'])) {
      const relaxed = relax(child, state, `${pointer}/properties/${escapePointer(key)}`, depth + 1);
      plan.properties.set(key, relaxed.plan);
      properties.push([key, relaxed.node]);
      if (required.includes(key) && acceptsNull(child)) plan.fillNull.add(key);
    }
    node['properties'] = ownProperties(properties);
    if (plan.fillNull.size > 0) {
      node['required'] = required.filter((key) => !plan.fillNull.has(key));
      state.isRewritten = true;
    }
  }
  if (isNode(node['items'])) {
    const relaxed = relax(node['items'], state, `${pointer}/items`, depth + 1);
    node['items'] = relaxed.node;
    plan.items = relaxed.plan;
  }
  walkDefinitions(node, pointer, state, (child, childPointer) => relax(child, state, childPointer, depth + 1));
  return { node, plan };
}

/** Walks `$defs`/`definitions`, keeping each definition's plan for the `$ref`s that point at it. */
function walkDefinitions(
  node: SchemaNode,
  pointer: string,
  state: WalkState,
  walk: (child: unknown, childPointer: string) => { node: unknown; plan: ArgumentPlan },
): void {
  for (const keyword of ['$defs', 'definitions'] as const) {
    const definitions = node[keyword];
    if (!isNode(definitions)) continue;
    const walkedDefinitions: [string, unknown][] = [];
    for (const [key, child] of Object.entries(definitions)) {
      const definitionPointer = `${pointer}/${keyword}/${escapePointer(key)}`;
      const walked = walk(child, definitionPointer);
      walkedDefinitions.push([key, walked.node]);
      state.definitions.set(definitionPointer, walked.plan);
    }
    node[keyword] = ownProperties(walkedDefinitions);
  }
}

/** An object of own data properties: a property a schema names `__proto__` stays a property, never the prototype. */
function ownProperties(entries: readonly [string, unknown][]): SchemaNode {
  return Object.fromEntries(entries);
}

const ROOT_META_KEYWORDS = ['$schema', '$id'] as const;

/** The schema without the root's `$schema` and `$id` (the same object when it has neither). */
function withoutRootMeta(schema: JsonSchema): JsonSchema {
  if (!isNode(schema) || !ROOT_META_KEYWORDS.some((key) => key in schema)) return schema;
  const copy: SchemaNode = { ...schema };
  for (const key of ROOT_META_KEYWORDS) delete copy[key];
  return copy as JsonSchema;
}

function requiredList(node: SchemaNode): string[] {
  return Array.isArray(node['required']) ? (node['required'] as unknown[]).filter((key): key is string => typeof key === 'string') : [];
}

/** The same schema, also accepting null. */
function nullable(schema: unknown): unknown {
  if (!isNode(schema) || acceptsNull(schema)) return schema;
  const type = schema['type'];
  const hasEnum = Array.isArray(schema['enum']);
  if (typeof type === 'string' && !('const' in schema) && !('$ref' in schema)) {
    return { ...schema, type: [type, 'null'], ...(hasEnum ? { enum: [...(schema['enum'] as unknown[]), null] } : {}) };
  }
  if (Array.isArray(type) && !('const' in schema) && !('$ref' in schema)) {
    return { ...schema, type: [...type, 'null'], ...(hasEnum ? { enum: [...(schema['enum'] as unknown[]), null] } : {}) };
  }
  if (Array.isArray(schema['anyOf']) && type === undefined) return { ...schema, anyOf: [...(schema['anyOf'] as unknown[]), { type: 'null' }] };
  const { description, ...rest } = schema;
  return { ...(description === undefined ? {} : { description }), anyOf: [rest, { type: 'null' }] };
}

/** Whether a schema (as far as a quick look can tell) accepts null. */
function acceptsNull(schema: unknown): boolean {
  if (!isNode(schema)) return schema === true;
  const type = schema['type'];
  if (type === 'null' || (Array.isArray(type) && type.includes('null'))) return true;
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).includes(null);
  if ('const' in schema) return schema['const'] === null;
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = schema[keyword];
    if (Array.isArray(branches)) return branches.some(acceptsNull);
  }
  // No constraint on the type at all: null is accepted.
  return type === undefined && schema['$ref'] === undefined && schema['properties'] === undefined && schema['items'] === undefined;
}

function isObjectSchema(node: SchemaNode): boolean {
  const type = node['type'];
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || (type === undefined && isNode(node['properties']));
}

/**
 * Applies a plan to a model's (not yet validated) arguments: drops the nulls that stand for left-out
 * properties and fills in the nulls the declared schema wants for them. Builds new objects with own data
 * properties only (a `"__proto__"` key stays a plain key), and leaves anything it does not recognise to
 * validation.
 */
function toDeclared(value: unknown, plan: ArgumentPlan, definitions: ReadonlyMap<string, ArgumentPlan>, depth: number): unknown {
  if (depth > MAX_ARGUMENT_DEPTH || value === null || typeof value !== 'object') return value;
  let result = value;
  if (plan.ref !== undefined) {
    const target = definitions.get(plan.ref);
    if (target !== undefined) result = toDeclared(result, target, definitions, depth + 1) as object;
  }
  for (const branch of plan.branches) result = toDeclared(result, branch, definitions, depth + 1) as object;
  if (Array.isArray(result)) {
    const items = plan.items;
    return items === undefined ? result : result.map((item: unknown) => toDeclared(item, items, definitions, depth + 1));
  }
  if (plan.properties.size === 0) return result;
  const entries: [string, unknown][] = [];
  for (const [key, child] of Object.entries(result)) {
    if (child === null && plan.dropNull.has(key)) continue;
    const childPlan = plan.properties.get(key);
    entries.push([key, childPlan === undefined ? child : toDeclared(child, childPlan, definitions, depth + 1)]);
  }
  for (const key of plan.fillNull) {
    if (!Object.hasOwn(result, key)) entries.push([key, null]);
  }
  return Object.fromEntries(entries);
}

function identity(args: unknown): unknown {
  return args;
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
