import type { ConversationHeader } from '../storage/conversation-store.js';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import type { RenameConversationInput } from './chat-use-cases.js';
import { loadConversation } from './conversation-queries.js';
import { requireConversationId } from './conversation-id.js';
import { validateTitle } from './validate-chat-input.js';

/** RenameConversation: a title the user chose (checked and normalized); the conversation keeps its place. */
export async function renameConversation(deps: Pick<ChatStepDeps, 'store'>, caller: CallerContext, input: RenameConversationInput): Promise<ConversationHeader> {
  const conversationId = requireConversationId(input.conversationId);
  const title = validateTitle(input.title);
  await deps.store.setTitle(caller.tenantId, conversationId, title);
  const { messages: _messages, firstMessageIndex: _first, summary: _summary, ...header } = await loadConversation(deps, caller, conversationId, 0);
  return header;
}
