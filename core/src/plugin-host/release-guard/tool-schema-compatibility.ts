import semver from 'semver';

/** A JSON Schema as tools publish it (an object, or `true`/`false`). */
export type Schema = boolean | Readonly<Record<string, unknown>>;

/** One way a new release refuses arguments an old caller sends. */
export interface SchemaBreak {
  /** The tool's name (the plugin's own, not the exposed one). */
  readonly tool: string;
  /** JSON pointer into the tool's parameters (`/properties/digits`), `` for the tool itself. */
  readonly path: string;
  readonly change: string;
}

const MAX_DEPTH = 32;

/**
 * The changes from `before` to `after` that break callers: every argument `before` accepted must
 * still be accepted. A removed tool, a removed property, a new required property, a narrower type,
 * fewer enum values, tighter bounds, a new or changed pattern or format, closed additional
 * properties. Widening, new tools, descriptions and defaults are compatible. Tools are matched by name.
 */
export function diffToolSets(before: ReadonlyMap<string, Schema>, after: ReadonlyMap<string, Schema>): SchemaBreak[] {
  const breaks: SchemaBreak[] = [];
  for (const [tool, schema] of before) {
    const next = after.get(tool);
    if (next === undefined) breaks.push({ tool, path: '', change: 'the tool was removed' });
    else breaks.push(...diffToolParameters(tool, schema, next));
  }
  return breaks;
}

/** The breaking changes between two versions of one tool's parameters (see {@link diffToolSets}). */
export function diffToolParameters(tool: string, before: Schema, after: Schema): SchemaBreak[] {
  const breaks: SchemaBreak[] = [];
  compare({ schema: before, root: before }, { schema: after, root: after }, '', 0, (path, change) => breaks.push({ tool, path, change }));
  return breaks;
}

/**
 * The version a release with breaking changes needs: the next major after `from` (the next minor for
 * 0.x, where semver lets the minor number announce breaking changes).
 */
export function requiredVersionFor(from: string): string {
  const parsed = semver.parse(from);
  if (parsed === null) return 'a new major version';
  return parsed.major === 0 ? `0.${parsed.minor + 1}.0` : `${parsed.major + 1}.0.0`;
}

/** True when `to` announces breaking changes relative to `from` (major bump, or minor bump within 0.x). */
export function isMajorBump(from: string, to: string): boolean {
  const before = semver.parse(from);
  const after = semver.parse(to);
  if (before === null || after === null) return false;
  if (before.major === 0 && after.major === 0) return after.minor > before.minor;
  return after.major > before.major;
}

interface Located {
  readonly schema: Schema;
  /** The tool's whole parameter schema, where local `$ref`s point. */
  readonly root: Schema;
}

type Report = (path: string, change: string) => void;

function compare(before: Located, after: Located, path: string, depth: number, report: Report): void {
  const old = dereference(before);
  const next = dereference(after);
  if (depth > MAX_DEPTH) {
    if (canonical(old.schema) !== canonical(next.schema)) report(path, 'changed beyond the depth the host compares');
    return;
  }
  if (next.schema === true || (typeof next.schema === 'object' && Object.keys(next.schema).every((key) => IGNORED.has(key)))) return;
  if (old.schema === false) return;
  if (next.schema === false) {
    report(path, 'accepts nothing any more');
    return;
  }
  const b = old.schema === true ? {} : old.schema;
  const a = next.schema;
  if (compareAlternatives({ ...old, schema: b }, { ...next, schema: a }, path, depth, report)) return;

  const beforeTypes = typesOf(b);
  const afterTypes = typesOf(a);
  if (afterTypes !== undefined) {
    if (beforeTypes === undefined) report(path, `now only accepts ${afterTypes.join(' or ')}`);
    else {
      const lost = beforeTypes.filter((type) => !afterTypes.includes(type) && !(type === 'integer' && afterTypes.includes('number')));
      if (lost.length > 0) report(path, `type narrowed from ${beforeTypes.join(' | ')} to ${afterTypes.join(' | ')}`);
    }
  }
  compareValues(b, a, path, report);
  compareBounds(b, a, path, report);
  compareObjects({ ...old, schema: b }, { ...next, schema: a }, path, depth, report);
  if (a.items !== undefined && typeof a.items === 'object' && !Array.isArray(a.items)) {
    compare({ schema: itemsOf(b), root: old.root }, { schema: a.items as Schema, root: next.root }, `${path}/items`, depth + 1, report);
  }
}

// Keywords that never change which arguments are accepted.
const IGNORED = new Set(['description', 'title', 'default', 'examples', '$comment', 'deprecated', 'readOnly', 'writeOnly']);

function compareValues(b: Readonly<Record<string, unknown>>, a: Readonly<Record<string, unknown>>, path: string, report: Report): void {
  if (Array.isArray(a.enum)) {
    const allowed = new Set(a.enum.map(canonical));
    if (!Array.isArray(b.enum)) {
      if (b.const === undefined || !allowed.has(canonical(b.const))) report(path, `now limited to ${describeValues(a.enum)}`);
    } else {
      const removed = b.enum.filter((value) => !allowed.has(canonical(value)));
      if (removed.length > 0) report(path, `no longer accepts ${describeValues(removed)}`);
    }
  }
  if (a.const !== undefined) {
    const oldValues = b.const !== undefined ? [b.const] : Array.isArray(b.enum) ? b.enum : undefined;
    if (oldValues === undefined || oldValues.some((value) => canonical(value) !== canonical(a.const))) report(path, `now only accepts ${canonical(a.const)}`);
  }
}

function compareBounds(b: Readonly<Record<string, unknown>>, a: Readonly<Record<string, unknown>>, path: string, report: Report): void {
  const raised = (key: string, what: string) => {
    const next = a[key];
    const old = b[key];
    if (typeof next === 'number' && (typeof old !== 'number' || next > old)) report(path, `${what} raised to ${next}${typeof old === 'number' ? ` (was ${old})` : ''}`);
  };
  const lowered = (key: string, what: string) => {
    const next = a[key];
    const old = b[key];
    if (typeof next === 'number' && (typeof old !== 'number' || next < old)) report(path, `${what} lowered to ${next}${typeof old === 'number' ? ` (was ${old})` : ''}`);
  };
  raised('minimum', 'minimum');
  raised('exclusiveMinimum', 'exclusive minimum');
  lowered('maximum', 'maximum');
  lowered('exclusiveMaximum', 'exclusive maximum');
  raised('minLength', 'minLength');
  lowered('maxLength', 'maxLength');
  raised('minItems', 'minItems');
  lowered('maxItems', 'maxItems');
  raised('minProperties', 'minProperties');
  lowered('maxProperties', 'maxProperties');
  if (typeof a.multipleOf === 'number' && (typeof b.multipleOf !== 'number' || b.multipleOf % a.multipleOf !== 0)) report(path, `must now be a multiple of ${a.multipleOf}`);
  for (const key of ['pattern', 'format'] as const) {
    if (a[key] !== undefined && a[key] !== b[key]) report(path, `${key} ${b[key] === undefined ? 'added' : 'changed'}: ${String(a[key]).slice(0, 80)}`);
  }
  if (a.uniqueItems === true && b.uniqueItems !== true) report(path, 'items must now be unique');
}

function compareObjects(before: Located, after: Located, path: string, depth: number, report: Report): void {
  const b = before.schema as Readonly<Record<string, unknown>>;
  const a = after.schema as Readonly<Record<string, unknown>>;
  const oldProperties = propertiesOf(b);
  const newProperties = propertiesOf(a);
  const oldRequired = new Set(requiredOf(b));
  for (const [name, schema] of Object.entries(oldProperties)) {
    const next = newProperties[name];
    const propertyPath = `${path}/properties/${escapePointer(name)}`;
    if (next === undefined) {
      if (a.properties !== undefined || a.additionalProperties === false) report(propertyPath, 'the property was removed');
      continue;
    }
    compare({ schema, root: before.root }, { schema: next, root: after.root }, propertyPath, depth + 1, report);
  }
  for (const name of requiredOf(a)) {
    if (oldRequired.has(name)) continue;
    report(`${path}/properties/${escapePointer(name)}`, Object.hasOwn(oldProperties, name) ? 'the property is now required' : 'a new required property');
  }
  if (a.additionalProperties === false && b.additionalProperties !== false) report(path, 'no longer accepts other properties');
}

/** anyOf/oneOf: every alternative callers could use before must still match one alternative now. Returns true when it handled the schemas. */
function compareAlternatives(before: Located, after: Located, path: string, depth: number, report: Report): boolean {
  const b = before.schema as Readonly<Record<string, unknown>>;
  const a = after.schema as Readonly<Record<string, unknown>>;
  const oldAlternatives = alternativesOf(b);
  const newAlternatives = alternativesOf(a);
  if (oldAlternatives === undefined && newAlternatives === undefined) return false;
  const candidates = newAlternatives ?? [a];
  for (const [index, alternative] of (oldAlternatives ?? [b]).entries()) {
    const isKept = candidates.some((candidate) => {
      let breaks = 0;
      compare({ schema: alternative, root: before.root }, { schema: candidate, root: after.root }, path, depth + 1, () => (breaks += 1));
      return breaks === 0;
    });
    if (!isKept) report(path, oldAlternatives === undefined ? 'is now limited to alternatives that refuse old arguments' : `alternative ${index + 1} (${canonical(alternative).slice(0, 80)}) is no longer accepted`);
  }
  return true;
}

function alternativesOf(schema: Readonly<Record<string, unknown>>): Schema[] | undefined {
  const list = schema.anyOf ?? schema.oneOf;
  return Array.isArray(list) ? (list as Schema[]) : undefined;
}

function typesOf(schema: Readonly<Record<string, unknown>>): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((type): type is string => typeof type === 'string');
  return undefined;
}

function propertiesOf(schema: Readonly<Record<string, unknown>>): Record<string, Schema> {
  return typeof schema.properties === 'object' && schema.properties !== null ? (schema.properties as Record<string, Schema>) : {};
}

function requiredOf(schema: Readonly<Record<string, unknown>>): string[] {
  return Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : [];
}

function itemsOf(schema: Readonly<Record<string, unknown>>): Schema {
  return typeof schema.items === 'object' && schema.items !== null && !Array.isArray(schema.items) ? (schema.items as Schema) : true;
}

/** Follows a local `$ref` (`#/$defs/x`, `#/definitions/x`) within the tool's own schema; others stay as they are. */
function dereference(located: Located): Located {
  let schema = located.schema;
  for (let hops = 0; hops < MAX_DEPTH && typeof schema === 'object' && typeof schema.$ref === 'string' && schema.$ref.startsWith('#'); hops += 1) {
    let target: unknown = located.root;
    for (const segment of schema.$ref.slice(1).split('/').filter((part) => part !== '')) {
      target = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)[unescapePointer(segment)] : undefined;
    }
    if (typeof target !== 'object' && typeof target !== 'boolean') break;
    schema = target as Schema;
  }
  return { schema, root: located.root };
}

function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function describeValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 5).map(canonical).join(', ');
  return values.length > 5 ? `${shown}, … (${values.length} values)` : shown;
}

/** JSON with sorted keys, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, nested: unknown) =>
    typeof nested === 'object' && nested !== null && !Array.isArray(nested) ? Object.fromEntries(Object.entries(nested).sort(([left], [right]) => (left < right ? -1 : 1))) : nested,
  );
}
