import { HostError } from '../errors/index.js';

/** The message a replacement names is no longer the conversation's last assistant message. */
export function lastMessageConflict(conversationId: string, messageId: string): HostError {
  return new HostError(
    'HOST_CONVERSATION_CONFLICT',
    `message ${messageId} is not the last reply of conversation ${conversationId} (the conversation changed); reload it and try again`,
    { meta: { argument: 'message_id' } },
  );
}
