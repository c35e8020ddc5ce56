import type { ConversationHeader, ConversationPage, SearchConversationsOptions } from './conversation-store.js';
import { DEFAULT_SEARCH_SCAN_LIMIT } from './conversation-store.js';
import { checkPageSize, encodePageToken, listingStart, positionOf, type PagePosition } from './page-token.js';
import { invalidArgument } from '../errors/index.js';

/** Conversations read and checked together; small enough that one check is one cheap query. */
const SCAN_BATCH_SIZE = 100;

/** What a store does for one step of a search: read headers after a position, find which of them match. */
export interface SearchSteps {
  /** Up to `limit` headers newest updated first, strictly after `after` (from the newest when undefined). */
  readHeaders(after: PagePosition | undefined, limit: number): Promise<readonly ConversationHeader[]>;
  /** The ids among `headers` whose title or any message text contains the query. */
  matchingIds(headers: readonly ConversationHeader[]): Promise<ReadonlySet<string>>;
}

/**
 * Search by a bounded scan, the same on every store: walk the tenant's conversations in list order
 * (newest updated first) in batches, keep the ones that match, and stop at a full page or once
 * `scanLimit` conversations were examined. The token then points after the last match handed out (a
 * full page) or after the last conversation examined (budget spent), so the next call goes on from
 * there. Cost per call: at most `scanLimit` headers and one text check per batch — never the tenant's
 * whole history, whatever its size.
 */
export async function searchByScan(tenantId: string, options: SearchConversationsOptions, steps: SearchSteps): Promise<ConversationPage> {
  const pageSize = checkPageSize(options.pageSize);
  const scanLimit = options.scanLimit ?? DEFAULT_SEARCH_SCAN_LIMIT;
  const start = listingStart(tenantId, { pageToken: options.pageToken });
  if (start.order !== 'updated') throw invalidArgument('page_token', 'page_token belongs to an unfiltered listing, not to a search; search again without page_token');
  const matches: ConversationHeader[] = [];
  let position = start.after;
  let examined = 0;
  while (examined < scanLimit) {
    const batch = await steps.readHeaders(position, Math.min(SCAN_BATCH_SIZE, scanLimit - examined));
    if (batch.length === 0) return { conversations: matches };
    const matching = await steps.matchingIds(batch);
    for (const header of batch) {
      examined += 1;
      position = positionOf(header, 'updated');
      if (!matching.has(header.id)) continue;
      if (matches.length === pageSize) {
        // A further match exists: the page is full, and the next one starts after its last entry.
        return { conversations: matches, nextPageToken: encodePageToken(tenantId, positionOf(matches[pageSize - 1]!, 'updated')) };
      }
      matches.push(header);
    }
  }
  // The budget ran out before the history did (or exactly at its end: the next call then finds nothing).
  return position === undefined ? { conversations: matches } : { conversations: matches, nextPageToken: encodePageToken(tenantId, position) };
}

/** Case-insensitive containment the way every store checks it in JavaScript (titles; SQLite messages). */
export function containsText(query: string): (text: string) => boolean {
  const needle = query.toLowerCase();
  return (text) => text.toLowerCase().includes(needle);
}

/** `query` as a regular expression that matches exactly its text (MongoDB's `$regex`). */
export function literalPattern(query: string): string {
  return query.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
