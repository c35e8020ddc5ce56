import type { SessionIdentity } from '../storage/conversation-store.js';
import type { CallerContext } from './caller-context.js';

/** Session lookup (core/src/sessions SessionResolver): Redis first, the store as fallback. */
export interface SessionDirectory {
  resolve(tenantId: string, session: SessionIdentity): Promise<{ readonly conversationId?: string | undefined; readonly source: string }>;
  /**
   * Resolves the session or runs `create` and binds its conversation; concurrent calls for one session
   * share the outcome, so two quick first messages cannot open two conversations.
   */
  resolveOrCreate(
    tenantId: string,
    session: SessionIdentity,
    create: () => Promise<string>,
  ): Promise<{ readonly conversationId: string; readonly source: string; readonly isNew: boolean }>;
  bind(tenantId: string, session: SessionIdentity, conversationId: string): Promise<void>;
}

/** Points the session at a conversation the turn just created; a failed bind only costs the next lookup. */
export async function bindSession(
  sessions: SessionDirectory,
  caller: CallerContext,
  session: SessionIdentity,
  conversationId: string,
): Promise<void> {
  try {
    await sessions.bind(caller.tenantId, session, conversationId);
  } catch (error) {
    // The store keeps the session on the conversation, so the fallback lookup still finds it.
    caller.logger.warn({ err: error }, 'could not bind the session; the store fallback will find it');
  }
}
