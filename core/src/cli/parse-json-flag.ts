import { usageError } from './cli-error.js';

/** The largest JSON a flag may carry; arguments beyond this are a mistake or an attack, not a request. */
export const MAX_JSON_FLAG_BYTES = 1024 * 1024;

/**
 * Parses the JSON text of a flag (`--args`, `--plugin-config`) into a value, with one-line usage
 * errors that say what was wrong. `kind: 'object'` also refuses arrays, null and scalars.
 */
export function parseJsonFlag(text: string, flag: string, command: string, kind: 'object' | 'any' = 'object'): unknown {
  if (Buffer.byteLength(text, 'utf8') > MAX_JSON_FLAG_BYTES) {
    throw usageError(`${flag} is larger than ${MAX_JSON_FLAG_BYTES / 1024} KiB`, command);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw usageError(`${flag} is not valid JSON (${detail}); quote it, e.g. ${flag} '{"key":"value"}'`, command);
  }
  if (kind === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw usageError(`${flag} must be a JSON object like '{"key":"value"}', got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, command);
  }
  return value;
}
