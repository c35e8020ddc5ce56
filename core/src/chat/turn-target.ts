import type { SessionIdentity } from '../storage/conversation-store.js';
import type { ContinueConversationInput, SessionMetadataInput } from './chat-use-cases.js';
import { parseConversationId } from './conversation-id.js';
import { validateSession } from './validate-chat-input.js';

/** A turn that opens a conversation; with a session, the new conversation becomes the session's. */
export interface NewConversationTarget {
  readonly kind: 'new-conversation';
  readonly session?: SessionIdentity | undefined;
}

/** A turn in a conversation the client named by id (another tenant's id is simply not found). */
export interface KnownConversationTarget {
  readonly kind: 'known-conversation';
  readonly conversationId: string;
}

/** A turn in whatever conversation the session points at, or a new one when it points nowhere. */
export interface SessionConversationTarget {
  readonly kind: 'session-conversation';
  readonly session: SessionIdentity;
}

/** Which conversation a turn belongs to, as the request described it (validated). */
export type TurnTarget = NewConversationTarget | KnownConversationTarget | SessionConversationTarget;

/** StartConversation: always a new conversation. Session metadata there is how a client says "new chat". */
export function newConversationTarget(session: SessionMetadataInput | undefined): NewConversationTarget {
  return session === undefined ? { kind: 'new-conversation' } : { kind: 'new-conversation', session: validateSession(session) };
}

/**
 * ContinueConversation and ContinueChatStream: a conversation id wins over session metadata; undefined
 * when the request names neither (the use case decides whether that is an error or a new conversation).
 */
export function continuationTarget(input: ContinueConversationInput): KnownConversationTarget | SessionConversationTarget | undefined {
  const conversationId = input.conversationId ?? '';
  if (conversationId !== '') {
    return { kind: 'known-conversation', conversationId: parseConversationId(conversationId) };
  }
  if (input.session === undefined) return undefined;
  return { kind: 'session-conversation', session: validateSession(input.session) };
}
