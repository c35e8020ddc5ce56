import type { Conversation } from '../storage/conversation-store.js';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import type { ContinueConversationResult } from './chat-use-cases.js';
import { generateReply } from './generate-reply.js';
import { appendTurn } from './persist-turn.js';
import type { TurnEvents } from './turn-events.js';

/** A turn in a stored conversation (loaded with its newest messages): reply from its history, then append. */
export async function continueTurn(
  deps: Pick<ChatStepDeps, 'model' | 'tools' | 'prompts' | 'store' | 'clock' | 'options'>,
  caller: CallerContext,
  conversation: Conversation,
  message: string,
  events?: TurnEvents | undefined,
): Promise<ContinueConversationResult> {
  const startedAt = deps.clock.now();
  await events?.conversation?.({ conversationId: conversation.id, isNew: false });
  const reply = await generateReply(deps, caller, {
    message,
    platform: conversation.session?.platform ?? deps.options.defaultPlatform,
    conversation,
    events,
  });
  const persisted = await appendTurn(deps, caller, conversation.id, { message, startedAt, reply });
  return { conversationId: persisted.conversationId, reply: reply.loop.reply, toolCalls: reply.loop.toolCalls, messageId: persisted.messageId };
}
