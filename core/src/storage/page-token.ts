import { invalidArgument } from '../errors/index.js';
import { isObjectIdHex } from './object-id.js';

/** Where the next page starts: the last conversation of the previous page (keyset paging). */
export interface PagePosition {
  readonly updatedAt: Date;
  readonly id: string;
}

/** Opaque to clients: base64url of `{"u": <updatedAt ms>, "i": "<id>"}`. */
export function encodePageToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify({ u: position.updatedAt.getTime(), i: position.id }), 'utf8').toString('base64url');
}

/** Parses a token made by {@link encodePageToken}; anything else is HOST_INVALID_ARGUMENT (argument `page_token`). */
export function decodePageToken(token: string): PagePosition {
  const invalid = () => invalidArgument('page_token', 'page_token is not a token returned by ListConversations');
  if (token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const { u, i } = parsed as { u?: unknown; i?: unknown };
  if (typeof u !== 'number' || !Number.isSafeInteger(u) || u < 0) throw invalid();
  if (typeof i !== 'string' || !isObjectIdHex(i)) throw invalid();
  return { updatedAt: new Date(u), id: i.toLowerCase() };
}

/** Largest page a store returns; larger requests are a client mistake. */
export const MAX_PAGE_SIZE = 1000;

/** Validates a requested page size (1..{@link MAX_PAGE_SIZE}). */
export function checkPageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalidArgument('page_size', `page_size must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  }
  return pageSize;
}
