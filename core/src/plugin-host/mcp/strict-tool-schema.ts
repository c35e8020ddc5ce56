import type { JsonSchema } from '@acai/plugin-sdk';
import { escapePointer } from '@acai/plugin-sdk/host';

/** A tool schema rewritten for OpenAI's strict function calling, and how to turn the model's arguments back. */
export interface StrictToolSchema {
  /** What the model is offered (and the call path validates against). */
  readonly parameters: JsonSchema;
  /** Maps arguments valid for `parameters` to arguments valid for the original schema (identity when nothing was rewritten). */
  readonly restoreArguments: (args: unknown) => unknown;
  /** True when the schema had to be rewritten at all. */
  readonly isRewritten: boolean;
}

/** What to undo in one schema node's values: optional properties that were made required and nullable. */
interface RestorePlan {
  readonly optional: Set<string>;
  readonly properties: Map<string, RestorePlan>;
  items?: RestorePlan;
  readonly branches: RestorePlan[];
  ref?: string;
}

type SchemaNode = Record<string, unknown>;

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
  const definitions = new Map<string, RestorePlan>();
  const state = { isRewritten: false, definitions };
  const { node, plan } = rewrite(schema as unknown, true, state, '#');
  if (!state.isRewritten) return { parameters: schema, restoreArguments: identity, isRewritten: false };
  return { parameters: node as JsonSchema, restoreArguments: (args) => restore(args, plan, definitions, 0), isRewritten: true };
}

interface RewriteState {
  isRewritten: boolean;
  readonly definitions: Map<string, RestorePlan>;
}

/** Deeper schemas are left as they are (the lint refuses more than 10 levels anyway); keeps a hostile schema off the stack. */
const MAX_REWRITE_DEPTH = 32;

function rewrite(value: unknown, isRoot: boolean, state: RewriteState, pointer: string, depth = 0): { node: unknown; plan: RestorePlan } {
  const plan: RestorePlan = { optional: new Set(), properties: new Map(), branches: [] };
  if (!isNode(value) || depth > MAX_REWRITE_DEPTH) return { node: value, plan };
  const node: SchemaNode = { ...value };
  if (isRoot) {
    for (const key of ['$schema', '$id']) {
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
      const required = Array.isArray(node['required']) ? (node['required'] as unknown[]).filter((key): key is string => typeof key === 'string') : [];
      const properties: SchemaNode = {};
      const allRequired = [...required];
      for (const [key, child] of Object.entries(node['properties'])) {
        const rewritten = rewrite(child, false, state, `${pointer}/properties/${escapePointer(key)}`, depth + 1);
        plan.properties.set(key, rewritten.plan);
        if (required.includes(key)) {
          properties[key] = rewritten.node;
          continue;
        }
        // Optional: required and nullable; a null the original did not accept is removed again before the call.
        if (!acceptsNull(rewritten.node)) plan.optional.add(key);
        properties[key] = nullable(rewritten.node);
        allRequired.push(key);
        state.isRewritten = true;
      }
      node['properties'] = properties;
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
  for (const keyword of ['$defs', 'definitions'] as const) {
    const definitions = node[keyword];
    if (!isNode(definitions)) continue;
    const rewrittenDefinitions: SchemaNode = {};
    for (const [key, child] of Object.entries(definitions)) {
      const definitionPointer = `${pointer}/${keyword}/${escapePointer(key)}`;
      const rewritten = rewrite(child, false, state, definitionPointer, depth + 1);
      rewrittenDefinitions[key] = rewritten.node;
      state.definitions.set(definitionPointer, rewritten.plan);
    }
    node[keyword] = rewrittenDefinitions;
  }
  return { node, plan };
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

const MAX_RESTORE_DEPTH = 64;

function restore(value: unknown, plan: RestorePlan, definitions: ReadonlyMap<string, RestorePlan>, depth: number): unknown {
  if (depth > MAX_RESTORE_DEPTH || value === null || typeof value !== 'object') return value;
  let result = value;
  if (plan.ref !== undefined) {
    const target = definitions.get(plan.ref);
    if (target !== undefined) result = restore(result, target, definitions, depth + 1) as object;
  }
  for (const branch of plan.branches) result = restore(result, branch, definitions, depth + 1) as object;
  if (Array.isArray(result)) {
    const items = plan.items;
    return items === undefined ? result : result.map((item: unknown) => restore(item, items, definitions, depth + 1));
  }
  if (plan.properties.size === 0) return result;
  const restored: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(result)) {
    if (child === null && plan.optional.has(key)) continue;
    const childPlan = plan.properties.get(key);
    restored[key] = childPlan === undefined ? child : restore(child, childPlan, definitions, depth + 1);
  }
  return restored;
}

function identity(args: unknown): unknown {
  return args;
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
