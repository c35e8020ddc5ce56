import type { KeyValueStore } from '../cache/index.js';
import type { ConversationStore, RemovedConversation } from '../storage/conversation-store.js';
import type { ChatLogger } from './caller-context.js';
import type { SessionDirectory } from './session-directory.js';
import { titleCacheKey } from './title-generator.js';

/** Deletes conversations with everything derived from them: the one path of DeleteConversation and retention. */
export interface ConversationRemover {
  /**
   * Deletes the conversation (messages and tool results with it), then what points at it or was made
   * from it: the session binding (tombstoned, so the session starts afresh) and the title cached under
   * its first message. Undefined when there was nothing to delete; `ifUpdatedBefore` spares a
   * conversation that had a turn since (retention).
   */
  remove(tenantId: string, conversationId: string, logger: ChatLogger, options?: { ifUpdatedBefore?: Date }): Promise<RemovedConversation | undefined>;
}

/**
 * The store delete comes first: it is the record, and a Redis outage must not keep anyone from deleting
 * their data. The derived entries follow best-effort; one that cannot be cleared is logged, and expires
 * on its own (the session binding after SESSION_TTL_MINUTES, the title after TITLE_CACHE_TTL_HOURS).
 */
export function createConversationRemover(deps: { readonly store: ConversationStore; readonly sessions: SessionDirectory; readonly titleCache: KeyValueStore }): ConversationRemover {
  return {
    async remove(tenantId, conversationId, logger, options = {}) {
      const removed = await deps.store.remove(tenantId, conversationId, options);
      if (removed === undefined) return undefined;
      const { session } = removed.header;
      if (session !== undefined) {
        try {
          await deps.sessions.unbind(tenantId, session, removed.header.id);
        } catch (error) {
          logger.warn({ err: error, conversationId: removed.header.id }, 'could not clear the session binding of a deleted conversation');
        }
      }
      if (removed.firstMessage !== undefined) {
        try {
          // Keyed by the message alone (shared by identical openers): clearing it costs them one title generation.
          await deps.titleCache.delete(titleCacheKey(removed.firstMessage));
        } catch (error) {
          logger.warn({ err: error, conversationId: removed.header.id }, 'could not clear the cached title of a deleted conversation');
        }
      }
      return removed;
    },
  };
}
