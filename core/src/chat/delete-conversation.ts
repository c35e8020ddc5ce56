import { HostError } from '../errors/index.js';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import { requireConversationId } from './conversation-id.js';

/**
 * DeleteConversation: the conversation and everything derived from it (see ConversationRemover). An id
 * that is not there — never was, another tenant's, or already deleted — is not found, so a retried
 * delete changes nothing and answers not_found, which a client may read as "done".
 */
export async function deleteConversation(deps: Pick<ChatStepDeps, 'remover'>, caller: CallerContext, input: { readonly conversationId: string }): Promise<void> {
  const conversationId = requireConversationId(input.conversationId);
  const removed = await deps.remover.remove(caller.tenantId, conversationId, caller.logger);
  if (removed === undefined) throw new HostError('HOST_CONVERSATION_NOT_FOUND', 'conversation not found');
  caller.logger.info({ conversationId: removed.header.id }, 'conversation deleted');
}
