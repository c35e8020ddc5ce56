import { invalidArgument } from '../errors/index.js';
import type { AuditPosition } from '../storage/operator/index.js';

const MAX_TOKEN_LENGTH = 200;
const ENTRY_ID = /^[0-9a-f]{24}$/;

/** Opaque to clients: base64url of `{"t": <time ms>, "i": "<entry id>"}` of the last entry of a page. */
export function encodeAuditPageToken(position: AuditPosition): string {
  return Buffer.from(JSON.stringify({ t: position.at.getTime(), i: position.id }), 'utf8').toString('base64url');
}

/** Parses a token made by {@link encodeAuditPageToken}; anything else is invalid_argument on `page_token`, never echoed. */
export function decodeAuditPageToken(token: string): AuditPosition {
  const invalid = () => invalidArgument('page_token', 'page_token is not a token returned by ListAuditEntries');
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const { t, i } = parsed as { t?: unknown; i?: unknown };
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0 || t > 8.64e15) throw invalid();
  if (typeof i !== 'string' || !ENTRY_ID.test(i)) throw invalid();
  return { at: new Date(t), id: i };
}
