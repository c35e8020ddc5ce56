/**
 * Builds arguments that satisfy a strict tool schema, for conformance runs when the author gave none.
 * It covers what the strict dialect allows (objects with every property required, nullable types,
 * enums, const, numbers with bounds, strings with length and common formats, arrays); the call path
 * validates the result anyway, so a schema it cannot satisfy (e.g. a `pattern`) is reported, not guessed.
 */
export function sampleToolArguments(schema: unknown): unknown {
  return sampleValue(schema, 0);
}

type Schema = Record<string, unknown>;

const FORMAT_SAMPLES: Readonly<Record<string, string>> = {
  date: '2026-03-01',
  'date-time': '2026-03-01T12:00:00Z',
  time: '12:00:00',
  email: 'ada@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
};

function sampleValue(schema: unknown, depth: number): unknown {
  if (typeof schema !== 'object' || schema === null || depth > 8) return null;
  const node = schema as Schema;
  if ('const' in node) return node.const;
  if (Array.isArray(node.enum)) {
    // Optional values are nullable in the strict dialect: null takes the tool's default path.
    return node.enum.includes(null) ? null : node.enum[0];
  }
  const options = (node.anyOf ?? node.oneOf) as unknown[] | undefined;
  if (Array.isArray(options) && options.length > 0) {
    const nullable = options.find((option) => (option as Schema)?.type === 'null');
    return nullable !== undefined ? null : sampleValue(options[0], depth + 1);
  }
  const types = Array.isArray(node.type) ? (node.type as string[]) : typeof node.type === 'string' ? [node.type] : [];
  if (types.includes('null')) return null;
  switch (types[0] ?? (node.properties ? 'object' : undefined)) {
    case 'object': {
      const properties = (node.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(node.required) ? (node.required as string[]) : Object.keys(properties);
      const value: Record<string, unknown> = {};
      for (const key of required) value[key] = sampleValue(properties[key], depth + 1);
      return value;
    }
    case 'array': {
      const count = typeof node.minItems === 'number' ? node.minItems : 1;
      return Array.from({ length: Math.min(count, 10) }, () => sampleValue(node.items, depth + 1));
    }
    case 'integer':
    case 'number':
      return sampleNumber(node, types[0] === 'integer');
    case 'boolean':
      return false;
    case 'string':
      return sampleString(node);
    default:
      return null;
  }
}

function sampleNumber(node: Schema, isInteger: boolean): number {
  const minimum = typeof node.minimum === 'number' ? node.minimum : typeof node.exclusiveMinimum === 'number' ? node.exclusiveMinimum + (isInteger ? 1 : 0.5) : undefined;
  const maximum = typeof node.maximum === 'number' ? node.maximum : typeof node.exclusiveMaximum === 'number' ? node.exclusiveMaximum - (isInteger ? 1 : 0.5) : undefined;
  let value = minimum ?? (maximum !== undefined ? Math.min(0, maximum) : 1);
  if (isInteger) value = Math.ceil(value);
  if (typeof node.multipleOf === 'number' && node.multipleOf > 0) value = Math.ceil(value / node.multipleOf) * node.multipleOf;
  return value;
}

function sampleString(node: Schema): string {
  const format = typeof node.format === 'string' ? FORMAT_SAMPLES[node.format] : undefined;
  if (format !== undefined) return format;
  const minLength = typeof node.minLength === 'number' ? node.minLength : 1;
  const maxLength = typeof node.maxLength === 'number' ? node.maxLength : Number.POSITIVE_INFINITY;
  let text = 'example';
  if (text.length < minLength) text = text.padEnd(minLength, 'x');
  if (text.length > maxLength) text = text.slice(0, Math.max(maxLength, minLength));
  return text;
}
