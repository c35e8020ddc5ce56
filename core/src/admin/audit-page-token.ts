import { invalidArgument } from '../errors/index.js';
import { decodeOpaqueToken, encodeOpaqueToken } from '../storage/index.js';
import type { AuditPosition } from '../storage/operator/index.js';

const ENTRY_ID = /^[0-9a-f]{24}$/;
/** Largest time a JavaScript Date holds, in ms. */
const MAX_DATE_MS = 8.64e15;

/** Opaque to clients: `{"t": <time ms>, "i": "<entry id>"}` of the last entry of a page. */
export function encodeAuditPageToken(position: AuditPosition): string {
  return encodeOpaqueToken({ t: position.at.getTime(), i: position.id });
}

/** Parses a token made by {@link encodeAuditPageToken}; anything else is invalid_argument on `page_token`, never echoed. */
export function decodeAuditPageToken(token: string): AuditPosition {
  const { t, i } = decodeOpaqueToken(token)?.fields ?? {};
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0 || t > MAX_DATE_MS || typeof i !== 'string' || !ENTRY_ID.test(i)) {
    throw invalidArgument('page_token', 'page_token is not a token returned by ListAuditEntries');
  }
  return { at: new Date(t), id: i };
}
