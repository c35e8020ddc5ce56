import { HostError } from '../errors/index.js';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import type { ContinueConversationResult, RegenerateReplyInput } from './chat-use-cases.js';
import { loadConversation } from './conversation-queries.js';
import { generateReply } from './generate-reply.js';
import { replaceReply } from './persist-turn.js';
import type { TurnEvents } from './turn-events.js';
import { requireConversationId } from './conversation-id.js';
import { requireConfiguredModel, validateMessageId } from './validate-chat-input.js';

/**
 * Regenerates the conversation's last reply. The model sees what it saw the first time — the history
 * before the last user message, then that message — and runs its tools again; the new reply replaces
 * the old one in one atomic store step, keeping the user message. Only the last reply can be
 * regenerated: naming another message (or one a newer turn has followed) is a conflict, and nothing
 * changes unless the new reply completes.
 */
export async function regenerateReply(
  deps: Pick<ChatStepDeps, 'model' | 'tools' | 'prompts' | 'store' | 'clock' | 'options'>,
  caller: CallerContext,
  input: RegenerateReplyInput,
  events?: TurnEvents | undefined,
): Promise<ContinueConversationResult> {
  const conversationId = requireConversationId(input.conversationId);
  const messageId = validateMessageId(input.messageId);
  requireConfiguredModel(deps.model);
  const conversation = await loadConversation(deps, caller, conversationId, deps.options.recentMessages);
  const reply = conversation.messages.at(-1);
  const question = conversation.messages.at(-2);
  if (reply?.id !== messageId || reply.role !== 'assistant' || question?.role !== 'user') {
    throw new HostError('HOST_CONVERSATION_CONFLICT', 'only the last reply of a conversation can be regenerated; reload the conversation and try again', {
      meta: { argument: 'message_id' },
    });
  }
  await events?.conversation?.({ conversationId: conversation.id, isNew: false });
  const generated = await generateReply(deps, caller, {
    message: question.content,
    platform: conversation.session?.platform ?? deps.options.defaultPlatform,
    conversation: { ...conversation, messages: conversation.messages.slice(0, -2) },
    events,
  });
  const persisted = await replaceReply(deps, caller, conversation.id, reply.id, generated);
  return {
    conversationId: conversation.id,
    reply: generated.loop.reply,
    toolCalls: generated.loop.toolCalls,
    messageId: persisted.messageId,
    usage: generated.loop.usage,
  };
}
