import type { SessionIdentity } from '../storage/index.js';

/**
 * `session:<tenant>:<platform>:<chat_id>:<user_id>`, each part URI-encoded so a ':' inside an id
 * (e.g. platform "a:b" + chat "c" vs platform "a" + chat "b:c") can never produce the same key.
 * user_id is part of the key, unlike the old service, so members of a group chat do not share a conversation.
 */
export function sessionKey(tenantId: string, session: SessionIdentity): string {
  return ['session', tenantId, session.platform, session.chatId, session.userId].map((part, index) => (index === 0 ? part : encodeURIComponent(part))).join(':');
}
