/** Longest page token accepted: tokens we make are far shorter, so anything longer is not one of ours. */
const MAX_TOKEN_LENGTH = 200;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A page token as clients see it: base64url of a small JSON object, opaque to them. */
export function encodeOpaqueToken(fields: Readonly<Record<string, string | number>>): string {
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/**
 * The JSON object inside a token made by {@link encodeOpaqueToken}, or undefined for anything else
 * (too long, not base64url, not JSON, not an object). Callers check the fields and report their own error.
 */
export function decodeOpaqueToken(token: string): Readonly<Record<string, unknown>> | undefined {
  if (token.length > MAX_TOKEN_LENGTH || !BASE64URL.test(token)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}
