import { createHash } from 'node:crypto';

/**
 * The fingerprint of a tool's parameter schema: sha256 of its canonical JSON (keys sorted), first 16 hex digits.
 * Two schemas with the same fingerprint accept the same arguments; a change means the tool's contract changed.
 */
export function schemaFingerprint(schema: unknown): string {
  return createHash('sha256').update(canonicalJson(schema)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted recursively, so equal documents serialise identically. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
