import { escapePointer } from './create-schema-compiler.js';
import type { CheckProblem } from './plugin-check-error.js';

/** Keywords OpenAI's strict function calling (Structured Outputs) rejects; from openai-node's toStrictJsonSchema. */
const UNSUPPORTED_KEYWORDS = [
  'allOf', 'not', 'if', 'then', 'else', 'dependentRequired', 'dependentSchemas', 'dependencies',
  'patternProperties', 'propertyNames', 'prefixItems', 'contains', 'minContains', 'maxContains',
  'unevaluatedItems', 'unevaluatedProperties', 'minProperties', 'maxProperties', 'uniqueItems',
  'contentEncoding', 'contentMediaType', 'contentSchema', '$anchor', '$dynamicRef', '$dynamicAnchor',
  '$recursiveRef', '$recursiveAnchor',
] as const;

const MAX_NESTING = 10;
const MAX_ENUM_VALUES = 1000;
/** Ajv leaves a property of this name out of `properties` and `required` checks (a guard against prototype pollution). */
const UNCHECKABLE_PROPERTY = '__proto__';

/**
 * The provider lint: checks a tool's parameter schema against OpenAI's strict function-calling rules
 * (object root without anyOf, `additionalProperties: false` and every property required on each object,
 * `items` on arrays, no unsupported keywords, local `$ref`s, ≤ 10 levels), and that no property is named
 * `__proto__`, which the host could not validate. Returns every problem; empty means sendable.
 */
export function lintStrictToolSchema(schema: unknown): CheckProblem[] {
  const problems: CheckProblem[] = [];
  if (!isRecord(schema)) return [{ pointer: '', message: 'parameters must be a JSON Schema object' }];
  if (schema['type'] !== 'object') problems.push({ pointer: '/type', message: 'the root schema must have type "object"' });
  if ('anyOf' in schema) problems.push({ pointer: '/anyOf', message: 'the root schema must not be anyOf' });
  lintNode(schema, '', 0, problems);
  return problems;
}

function lintNode(node: unknown, pointer: string, depth: number, problems: CheckProblem[]): void {
  if (!isRecord(node)) {
    problems.push({ pointer, message: 'must be a schema object' });
    return;
  }
  if (depth > MAX_NESTING) {
    problems.push({ pointer, message: `nesting deeper than ${MAX_NESTING} levels` });
    return;
  }
  for (const keyword of UNSUPPORTED_KEYWORDS) {
    if (keyword in node) problems.push({ pointer: `${pointer}/${escapePointer(keyword)}`, message: `"${keyword}" is not supported in strict mode` });
  }
  const ref = node['$ref'];
  if (ref !== undefined && (typeof ref !== 'string' || !ref.startsWith('#'))) {
    problems.push({ pointer: `${pointer}/$ref`, message: 'only local references ("#/...") are supported' });
  }
  const enumValues = node['enum'];
  if (Array.isArray(enumValues) && enumValues.length > MAX_ENUM_VALUES) {
    problems.push({ pointer: `${pointer}/enum`, message: `more than ${MAX_ENUM_VALUES} values` });
  }
  const types = Array.isArray(node['type']) ? node['type'] : [node['type']];
  const properties = node['properties'];
  if (types.includes('object') || properties !== undefined) {
    if (!isRecord(properties)) {
      problems.push({ pointer: `${pointer}/properties`, message: 'objects must declare "properties"' });
    } else {
      const required = Array.isArray(node['required']) ? (node['required'] as unknown[]) : [];
      for (const [key, child] of Object.entries(properties)) {
        const childPointer = `${pointer}/properties/${escapePointer(key)}`;
        if (key === UNCHECKABLE_PROPERTY) {
          problems.push({ pointer: childPointer, message: `"${UNCHECKABLE_PROPERTY}" cannot name a property: the host's validator skips that name, so its value would go unchecked` });
          continue;
        }
        if (!required.includes(key)) {
          problems.push({ pointer: childPointer, message: `"${key}" must be listed in "required" (make it nullable, e.g. type ["string","null"], to keep it optional)` });
        }
        lintNode(child, childPointer, depth + 1, problems);
      }
    }
    if (node['additionalProperties'] !== false) {
      problems.push({ pointer: `${pointer}/additionalProperties`, message: 'objects must set "additionalProperties": false' });
    }
  }
  if (types.includes('array')) {
    if (!isRecord(node['items'])) problems.push({ pointer: `${pointer}/items`, message: 'arrays must declare "items" as one schema' });
    else lintNode(node['items'], `${pointer}/items`, depth + 1, problems);
  }
  const anyOf = node['anyOf'];
  if (Array.isArray(anyOf)) anyOf.forEach((branch, index) => lintNode(branch, `${pointer}/anyOf/${index}`, depth + 1, problems));
  for (const definitionsKey of ['$defs', 'definitions'] as const) {
    const definitions = node[definitionsKey];
    if (isRecord(definitions)) {
      for (const [key, child] of Object.entries(definitions)) {
        lintNode(child, `${pointer}/${definitionsKey}/${escapePointer(key)}`, depth + 1, problems);
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
