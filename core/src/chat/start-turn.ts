import type { SessionIdentity } from '../storage/conversation-store.js';
import { createObjectIdHex } from '../storage/object-id.js';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import type { StartConversationResult } from './chat-use-cases.js';
import { generateReply } from './generate-reply.js';
import { persistNewConversation } from './persist-turn.js';
import { startTitleNextToReply } from './title-next-to-reply.js';
import type { TurnEvents } from './turn-events.js';

/**
 * A turn that opens its conversation. The conversation's id is chosen first, so a streamed turn can name
 * it before anything is stored; the title is generated next to the reply; the conversation is created
 * only once the reply is complete. Binding a session to it is the caller's business.
 */
export async function startTurn(
  deps: Pick<ChatStepDeps, 'model' | 'tools' | 'prompts' | 'titles' | 'store' | 'clock' | 'options'>,
  caller: CallerContext,
  message: string,
  session: SessionIdentity | undefined,
  events?: TurnEvents | undefined,
): Promise<StartConversationResult> {
  const startedAt = deps.clock.now();
  const conversationId = createObjectIdHex(startedAt);
  await events?.conversation?.({ conversationId, isNew: true });
  const title = startTitleNextToReply(deps, caller, message);
  const reply = await generateReply(deps, caller, {
    message,
    platform: session?.platform ?? deps.options.defaultPlatform,
    events,
  });
  const storedTitle = await title.settle();
  const persisted = await persistNewConversation(deps, caller, { id: conversationId, title: storedTitle, session }, { message, startedAt, reply });
  void title.replaceFallback(persisted.conversationId);
  return {
    conversationId: persisted.conversationId,
    title: storedTitle,
    reply: reply.loop.reply,
    toolCalls: reply.loop.toolCalls,
    messageId: persisted.messageId,
  };
}
