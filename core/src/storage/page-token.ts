import { invalidArgument } from '../errors/index.js';
import type { ConversationHeader, ConversationOrder } from './conversation-store.js';
import { isObjectIdHex } from './object-id.js';

/**
 * Where the next page starts: the last conversation of the previous page (keyset paging), and which
 * timestamp the listing is ordered by, so a page token always continues the listing that made it.
 */
export interface PagePosition {
  readonly order: ConversationOrder;
  /** The conversation's `updatedAt` or `createdAt`, as `order` says. */
  readonly at: Date;
  readonly id: string;
}

/** The position of `header` in a listing in `order`. */
export function positionOf(header: ConversationHeader, order: ConversationOrder): PagePosition {
  return { order, at: order === 'created' ? header.createdAt : header.updatedAt, id: header.id };
}

/**
 * Opaque to clients: base64url of `{"u": <updatedAt ms>, "i": "<id>"}` for the updated order (the
 * format tokens had before there was another order, so those keep working) or `{"c": <createdAt ms>, "i": …}`.
 */
export function encodePageToken(position: PagePosition): string {
  const key = position.order === 'created' ? 'c' : 'u';
  return Buffer.from(JSON.stringify({ [key]: position.at.getTime(), i: position.id }), 'utf8').toString('base64url');
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
  const { u, c, i } = parsed as { u?: unknown; c?: unknown; i?: unknown };
  if ((u === undefined) === (c === undefined)) throw invalid();
  const at = u ?? c;
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) throw invalid();
  if (typeof i !== 'string' || !isObjectIdHex(i)) throw invalid();
  return { order: c === undefined ? 'updated' : 'created', at: new Date(at), id: i.toLowerCase() };
}

/** The order a listing continues in: the token's when there is one, else the requested one (default `updated`). */
export function listingStart(options: { readonly pageToken?: string | undefined; readonly order?: ConversationOrder | undefined }): {
  readonly order: ConversationOrder;
  readonly after?: PagePosition;
} {
  if (options.pageToken === undefined || options.pageToken === '') return { order: options.order ?? 'updated' };
  const after = decodePageToken(options.pageToken);
  return { order: after.order, after };
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

/**
 * A page from the `pageSize + 1` rows a store read: the first `pageSize`, and a token after the last
 * of them when the extra row shows that more follow.
 */
export function pageFrom(rows: readonly ConversationHeader[], pageSize: number, order: ConversationOrder): { conversations: ConversationHeader[]; nextPageToken?: string } {
  const conversations = rows.slice(0, pageSize);
  const last = conversations[conversations.length - 1];
  if (rows.length > pageSize && last) return { conversations, nextPageToken: encodePageToken(positionOf(last, order)) };
  return { conversations };
}
