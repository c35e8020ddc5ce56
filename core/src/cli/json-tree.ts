/** A JSON value with its character range in the source text, so edits can keep the rest byte-for-byte. */
export type JsonNode =
  | { kind: 'object'; start: number; end: number; properties: JsonProperty[] }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'string'; start: number; end: number; value: string }
  | { kind: 'number' | 'boolean' | 'null'; start: number; end: number; value: unknown };

export interface JsonProperty {
  key: string;
  keyStart: number;
  value: JsonNode;
}

/** Deeper nesting than any config needs; the limit keeps a hostile file from overflowing the stack. */
export const MAX_JSON_DEPTH = 64;

/** Parses strict JSON into {@link JsonNode}s with ranges (`end` is exclusive). Throws SyntaxError. */
export function parseJsonTree(text: string): JsonNode {
  let position = 0;
  let depth = 0;
  const fail = (what: string): never => {
    const line = text.slice(0, position).split('\n').length;
    throw new SyntaxError(`${what} at line ${line}`);
  };
  const skipWhitespace = () => {
    while (position < text.length && /[ \t\r\n]/.test(text[position]!)) position++;
  };
  const parseString = (): { value: string; start: number; end: number } => {
    const start = position;
    position++;
    while (position < text.length && text[position] !== '"') position += text[position] === '\\' ? 2 : 1;
    if (position >= text.length) fail('unterminated string');
    position++;
    return { value: JSON.parse(text.slice(start, position)) as string, start, end: position };
  };
  const parseValue = (): JsonNode => {
    skipWhitespace();
    const start = position;
    const character = text[position];
    if ((character === '{' || character === '[') && ++depth > MAX_JSON_DEPTH) fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    if (character === '{') {
      position++;
      const properties: JsonProperty[] = [];
      skipWhitespace();
      if (text[position] === '}') {
        position++;
        depth--;
        return { kind: 'object', start, end: position, properties };
      }
      for (;;) {
        skipWhitespace();
        if (text[position] !== '"') fail('expected a property name');
        const key = parseString();
        skipWhitespace();
        if (text[position] !== ':') fail('expected ":"');
        position++;
        properties.push({ key: key.value, keyStart: key.start, value: parseValue() });
        skipWhitespace();
        if (text[position] === ',') {
          position++;
          continue;
        }
        if (text[position] === '}') {
          position++;
          depth--;
          return { kind: 'object', start, end: position, properties };
        }
        fail('expected "," or "}"');
      }
    }
    if (character === '[') {
      position++;
      const items: JsonNode[] = [];
      skipWhitespace();
      if (text[position] === ']') {
        position++;
        depth--;
        return { kind: 'array', start, end: position, items };
      }
      for (;;) {
        items.push(parseValue());
        skipWhitespace();
        if (text[position] === ',') {
          position++;
          continue;
        }
        if (text[position] === ']') {
          position++;
          depth--;
          return { kind: 'array', start, end: position, items };
        }
        fail('expected "," or "]"');
      }
    }
    if (character === '"') return { kind: 'string', ...parseString() };
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(position));
    if (!literal) return fail('unexpected character');
    position += literal[0].length;
    const value = JSON.parse(literal[0]) as unknown;
    return { kind: value === null ? 'null' : typeof value === 'boolean' ? 'boolean' : 'number', start, end: position, value };
  };
  const root = parseValue();
  skipWhitespace();
  if (position !== text.length) fail('unexpected text after the document');
  return root;
}

/** The property `key` of an object node. */
export function findProperty(node: JsonNode | undefined, key: string): JsonProperty | undefined {
  return node?.kind === 'object' ? node.properties.find((property) => property.key === key) : undefined;
}

/** The whitespace before `position` on its line, when only whitespace precedes it there. */
export function indentationAt(text: string, position: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  const before = text.slice(lineStart, position);
  return /^[ \t]*$/.test(before) ? before : undefined;
}
