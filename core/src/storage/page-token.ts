import { invalidArgument } from '../errors/index.js';
import type { ConversationHeader, ConversationOrder } from './conversation-store.js';
import { isObjectIdHex } from './object-id.js';
import { encodeOpaqueToken, invalidPageToken, pageTokenFields } from './opaque-token.js';

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
 * The listing a token continues: whose (the tenant the token was minted for) and where. Opaque to
 * clients (storage/opaque-token.ts): `{"u": <updatedAt ms>, "i": "<id>", "o": <tenant fingerprint>}` for
 * the updated order or `{"c": <createdAt ms>, …}` for the created one. The keys are those tokens had
 * before they named their tenant, so a host of the previous release reads these tokens too (it ignores
 * `o`), and this host reads its tokens: see {@link decodePageToken}.
 */
export function encodePageToken(tenantId: string, position: PagePosition): string {
  return encodeOpaqueToken({ [position.order === 'created' ? 'c' : 'u']: position.at.getTime(), i: position.id }, tenantId);
}

/** Largest time a JavaScript Date holds, in ms. */
const MAX_DATE_MS = 8.64e15;
const LISTING = 'ListConversations';

/**
 * Parses a token made by {@link encodePageToken} for `tenantId`; anything else — another tenant's, cut,
 * edited — is HOST_INVALID_ARGUMENT on `page_token` with a message that says to list again (see
 * {@link pageTokenFields}, which also reads the previous release's tokens, that name no tenant).
 */
export function decodePageToken(tenantId: string, token: string): PagePosition {
  const { u, c, i } = pageTokenFields(token, tenantId, LISTING);
  if ((u === undefined) === (c === undefined)) throw invalidPageToken(LISTING);
  const at = u ?? c;
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0 || at > MAX_DATE_MS) throw invalidPageToken(LISTING);
  if (typeof i !== 'string' || !isObjectIdHex(i)) throw invalidPageToken(LISTING);
  return { order: c === undefined ? 'updated' : 'created', at: new Date(at), id: i.toLowerCase() };
}

/** The order a listing continues in: the token's when there is one, else the requested one (default `updated`). */
export function listingStart(
  tenantId: string,
  options: { readonly pageToken?: string | undefined; readonly order?: ConversationOrder | undefined },
): {
  readonly order: ConversationOrder;
  readonly after?: PagePosition;
} {
  if (options.pageToken === undefined || options.pageToken === '') return { order: options.order ?? 'updated' };
  const after = decodePageToken(tenantId, options.pageToken);
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
export function pageFrom(
  tenantId: string,
  rows: readonly ConversationHeader[],
  pageSize: number,
  order: ConversationOrder,
): { conversations: ConversationHeader[]; nextPageToken?: string } {
  const conversations = rows.slice(0, pageSize);
  const last = conversations[conversations.length - 1];
  if (rows.length > pageSize && last) return { conversations, nextPageToken: encodePageToken(tenantId, positionOf(last, order)) };
  return { conversations };
}
