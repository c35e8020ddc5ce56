import { encodeOpaqueToken, invalidPageToken, pageTokenFields } from '../storage/index.js';
import type { AuditPosition } from '../storage/operator/index.js';

const ENTRY_ID = /^[0-9a-f]{24}$/;
/** Largest time a JavaScript Date holds, in ms. */
const MAX_DATE_MS = 8.64e15;
const LISTING = 'ListAuditEntries';

/** Opaque to clients: `{"t": <time ms>, "i": "<entry id>", "o": <tenant fingerprint>}` of the last entry of a page, for the caller's tenant. */
export function encodeAuditPageToken(position: AuditPosition, tenantId: string): string {
  return encodeOpaqueToken({ t: position.at.getTime(), i: position.id }, tenantId);
}

/**
 * Parses a token made by {@link encodeAuditPageToken} for `tenantId`; anything else — another tenant's,
 * cut, edited — is invalid_argument on `page_token`, never echoed (tokens of the previous release, which
 * name no tenant, are read for one release: see pageTokenFields).
 */
export function decodeAuditPageToken(token: string, tenantId: string): AuditPosition {
  const { t, i } = pageTokenFields(token, tenantId, LISTING);
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0 || t > MAX_DATE_MS || typeof i !== 'string' || !ENTRY_ID.test(i)) {
    throw invalidPageToken(LISTING);
  }
  return { at: new Date(t), id: i };
}
