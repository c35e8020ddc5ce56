// What a tool returns, checked and copied as JSON data before anything else touches it. One module for
// every mode: the call path runs it on the host for each result (inline, worker, MCP), and a plugin worker
// runs the same check before its answer crosses the boundary, so the model reads the same named error
// whatever the mode, whether or not the plugin has secrets, and never a message about the boundary.
//
// The worker imports this before any plugin code runs, and a plugin may patch built-ins in its own
// isolate: the built-ins used here are captured at module load, and no prototype method is called on
// values the plugin made. (The host re-checks everything anyway; the worker's check only keeps its
// answers honest.)
import { types } from 'node:util';

/** Bounds of a tool's data: how deeply it may nest and about how large its JSON may be. */
export interface ToolDataLimits {
  readonly maxDepth: number;
  /** UTF-8 bytes of the JSON text, counted from below (a string of n characters counts n + 2 for its quotes). */
  readonly maxBytes: number;
}

/** Deeper data is refused; nothing a tool returns for a caller needs more. */
export const MAX_TOOL_DATA_DEPTH = 64;
/** The same bound as a worker's whole result, so data the worker sent is never refused for size on the host. */
export const MAX_TOOL_DATA_BYTES = 8 * 1024 * 1024;
export const DEFAULT_TOOL_DATA_LIMITS: ToolDataLimits = Object.freeze({ maxDepth: MAX_TOOL_DATA_DEPTH, maxBytes: MAX_TOOL_DATA_BYTES });

/** A tool's result as the call path passes it on: content, and data as a plain JSON copy. */
export interface CheckedToolResult {
  readonly content: string;
  readonly data?: unknown;
}

/** A result the call path refuses: always INTERNAL (the tool's fault), with a message the model can read. */
export interface RefusedToolResult {
  readonly code: 'INTERNAL';
  readonly message: string;
}

/** A value turned into plain JSON data, or why it cannot be. */
export type ToolDataCopy =
  | { readonly ok: true; readonly value: unknown }
  /** `problem` completes "The tool's data cannot be sent as JSON: …", or says how large it is when `isTooLarge`. */
  | { readonly ok: false; readonly problem: string; readonly isTooLarge: boolean };

const objectKeys = Object.keys;
const ownSymbols = Object.getOwnPropertySymbols;
const fromEntries = Object.fromEntries;
const isArray = Array.isArray;
const isFiniteNumber = Number.isFinite;
const isEnumerable = Function.prototype.call.bind(Object.prototype.propertyIsEnumerable) as (target: object, key: PropertyKey) => boolean;
const replaceText = Function.prototype.call.bind(String.prototype.replace) as (text: string, pattern: RegExp, replacement: string) => string;
const sliceText = Function.prototype.call.bind(String.prototype.slice) as (text: string, start: number, end?: number) => string;
const describeTag = Function.prototype.call.bind(Object.prototype.toString) as (value: unknown) => string;
const toText = String;
const {
  isProxy,
  isMap,
  isSet,
  isWeakMap,
  isWeakSet,
  isTypedArray,
  isAnyArrayBuffer,
  isDataView,
  isRegExp,
  isPromise,
  isBoxedPrimitive,
  isNativeError,
  isGeneratorObject,
  isModuleNamespaceObject,
} = types;

const NOT_JSON_HINT = 'Return only objects, arrays, strings, numbers, booleans and null.';
const MAX_POINTER_CHARACTERS = 200;
const MAX_KEY_CHARACTERS = 40;

/**
 * Checks what a tool returned (a string, or `{ content: string, data? }`) and copies its data as plain
 * JSON: a BigInt, a function, a symbol, a cycle, a getter that throws, a typed array, a Map, a Proxy,
 * nesting deeper than `maxDepth` or data over `maxBytes` refuse the result with a message that names
 * what and where. `undefined` members, non-finite numbers and `toJSON` (a Date) follow JSON.stringify.
 * `mapString` rewrites every string and key of the copy (the plugin's secrets are scrubbed there).
 * Never throws.
 */
export function checkToolResult(output: unknown, limits: ToolDataLimits = DEFAULT_TOOL_DATA_LIMITS, mapString?: (text: string) => string): CheckedToolResult | RefusedToolResult {
  if (typeof output === 'string') return { content: output };
  if (typeof output !== 'object' || output === null) return refuse(`The tool returned ${output === null ? 'null' : typeof output} instead of a string or { content }.`);
  let content: unknown;
  let data: unknown;
  try {
    content = (output as { content?: unknown }).content;
    data = typeof content === 'string' ? (output as { data?: unknown }).data : undefined;
  } catch (error) {
    return refuse(`The tool's result cannot be read: ${describeThrown(error)}.`);
  }
  if (typeof content !== 'string') return refuse('The tool returned an object without a string "content" instead of a string or { content }.');
  if (data === undefined) return { content };
  const copy = copyAsJsonData(data, limits, mapString);
  if (!copy.ok) return refuse(copy.isTooLarge ? `The tool's data is ${copy.problem}` : `The tool's data cannot be sent as JSON: ${copy.problem}`);
  return copy.value === undefined ? { content } : { content, data: copy.value };
}

/** True when {@link checkToolResult} refused the result. */
export function isRefusedToolResult(result: CheckedToolResult | RefusedToolResult): result is RefusedToolResult {
  return 'code' in result;
}

/** `value` as a plain JSON copy within `limits` (see {@link checkToolResult}), or the problem in words. Never throws. */
export function copyAsJsonData(value: unknown, limits: ToolDataLimits = DEFAULT_TOOL_DATA_LIMITS, mapString?: (text: string) => string): ToolDataCopy {
  const walk = new JsonDataWalk(limits, mapString);
  try {
    return { ok: true, value: walk.copy(value, undefined, false) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, problem: error.problem, isTooLarge: error.isTooLarge };
    return { ok: false, problem: `reading ${walk.pointer()} threw: ${describeThrown(error)}.`, isTooLarge: false };
  }
}

function refuse(message: string): RefusedToolResult {
  return { code: 'INTERNAL', message };
}

/** Thrown inside the walk to stop at the first problem. */
class Refusal {
  readonly problem: string;
  readonly isTooLarge: boolean;

  constructor(problem: string, isTooLarge: boolean) {
    this.problem = problem;
    this.isTooLarge = isTooLarge;
  }
}

/** One copy of one value: the running size, the objects on the path from the root (cycles) and the path itself. */
class JsonDataWalk {
  readonly #limits: ToolDataLimits;
  readonly #mapString: ((text: string) => string) | undefined;
  readonly #ancestors: object[] = [];
  readonly #path: string[] = [];
  #bytes = 0;

  constructor(limits: ToolDataLimits, mapString: ((text: string) => string) | undefined) {
    this.#limits = limits;
    this.#mapString = mapString;
  }

  /** The JSON pointer of the value being copied, shortened for messages. */
  pointer(): string {
    let pointer = '';
    for (let index = 0; index < this.#path.length; index += 1) {
      const key = this.#path[index] as string;
      const escaped = replaceText(replaceText(key, /~/g, '~0'), /\//g, '~1');
      pointer += `/${escaped.length > MAX_KEY_CHARACTERS ? `${sliceText(escaped, 0, MAX_KEY_CHARACTERS)}…` : escaped}`;
      if (pointer.length > MAX_POINTER_CHARACTERS) return `${sliceText(pointer, 0, MAX_POINTER_CHARACTERS)}…`;
    }
    return pointer === '' ? 'the top level' : pointer;
  }

  /** The copy of `value`; undefined where JSON.stringify would leave the member out. */
  copy(value: unknown, key: string | undefined, isToJsonResult: boolean): unknown {
    switch (typeof value) {
      case 'string':
        this.#count(value.length + 2);
        return this.#mapString === undefined ? value : this.#mapString(value);
      case 'number':
        this.#count(1);
        return isFiniteNumber(value) ? value : null;
      case 'boolean':
        this.#count(4);
        return value;
      case 'undefined':
        return undefined;
      case 'bigint':
        return this.#refuse('a BigInt');
      case 'symbol':
        return this.#refuse('a symbol');
      case 'function':
        return this.#refuse('a function');
      default:
        break;
    }
    if (value === null) {
      this.#count(4);
      return null;
    }
    const object = value as object;
    if (this.#path.length >= this.#limits.maxDepth) return this.#refuse(`nesting deeper than ${this.#limits.maxDepth} levels`);
    if (isProxy(object)) return this.#refuse('a Proxy');
    for (let index = 0; index < this.#ancestors.length; index += 1) {
      if (this.#ancestors[index] === object) return this.#refuse('a circular reference (the value contains itself)');
    }
    const exotic = describeExotic(object);
    if (!isToJsonResult) {
      const toJson = (object as { toJSON?: unknown }).toJSON;
      // A Date (or anything else with toJSON) is written as JSON.stringify writes it.
      if (typeof toJson === 'function') return this.copy((toJson as (this: object, key: string) => unknown).call(object, key ?? ''), key, true);
    }
    if (exotic !== undefined) return this.#refuse(exotic);
    this.#ancestors[this.#ancestors.length] = object;
    try {
      return isArray(object) ? this.#copyArray(object) : this.#copyObject(object);
    } finally {
      this.#ancestors.length -= 1;
    }
  }

  #copyArray(array: readonly unknown[]): unknown[] {
    const length = array.length;
    const copy: unknown[] = [];
    this.#count(2);
    for (let index = 0; index < length; index += 1) {
      // The comma, and `null` for a hole: an array of a billion holes stops at the size bound.
      this.#count(index === 0 ? 0 : 1);
      const key = toText(index);
      this.#path[this.#path.length] = key;
      const item = this.copy(array[index], key, false);
      this.#path.length -= 1;
      if (item === undefined) this.#count(4);
      copy[index] = item === undefined ? null : item;
    }
    return copy;
  }

  #copyObject(object: object): Record<string, unknown> {
    const symbols = ownSymbols(object);
    for (let index = 0; index < symbols.length; index += 1) {
      if (isEnumerable(object, symbols[index] as symbol)) return this.#refuse('a property keyed by a symbol');
    }
    const keys = objectKeys(object);
    const entries: Array<[string, unknown]> = [];
    this.#count(2);
    for (let index = 0; index < keys.length; index += 1) {
      const key = keys[index] as string;
      this.#count(key.length + 3);
      this.#path[this.#path.length] = key;
      const item = this.copy((object as Record<string, unknown>)[key], key, false);
      this.#path.length -= 1;
      if (item !== undefined) entries[entries.length] = [this.#mapString === undefined ? key : this.#mapString(key), item];
    }
    // fromEntries defines own properties, so a "__proto__" key stays a key and never becomes a prototype.
    return fromEntries(entries) as Record<string, unknown>;
  }

  #count(bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes > this.#limits.maxBytes) throw new Refusal(`over the limit of ${this.#limits.maxBytes} bytes of JSON.`, true);
  }

  #refuse(what: string): never {
    throw new Refusal(`${what} at ${this.pointer()}. ${NOT_JSON_HINT}`, false);
  }
}

/** Objects JSON cannot write faithfully (it would write `{}` or lose their contents); undefined for plain ones. */
function describeExotic(value: object): string | undefined {
  if (isPromise(value)) return 'a Promise (was it awaited?)';
  if (isMap(value)) return 'a Map';
  if (isSet(value)) return 'a Set';
  if (isWeakMap(value) || isWeakSet(value)) return 'a WeakMap or WeakSet';
  if (isTypedArray(value) || isDataView(value)) return `binary data (${sliceText(describeTag(value), 8, -1)})`;
  if (isAnyArrayBuffer(value)) return 'binary data (ArrayBuffer)';
  if (isRegExp(value)) return 'a RegExp';
  if (isNativeError(value)) return 'an Error';
  if (isBoxedPrimitive(value)) return 'a boxed primitive (new String, new Number, …)';
  if (isGeneratorObject(value)) return 'a generator';
  if (isModuleNamespaceObject(value)) return 'a module namespace';
  return undefined;
}

function describeThrown(error: unknown): string {
  try {
    const message = error instanceof Error ? error.message : toText(error);
    return message.length > 300 ? `${sliceText(message, 0, 300)}…` : message;
  } catch {
    return 'a value that cannot be described';
  }
}
