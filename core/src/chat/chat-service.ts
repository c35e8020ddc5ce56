import { invalidArgument } from '../errors/index.js';
import { createChatStepDeps, type ChatServiceDeps } from './chat-deps.js';
import type { ChatService } from './chat-use-cases.js';
import { describeConversation, listConversations } from './conversation-queries.js';
import { takeTurn } from './take-turn.js';
import { continuationTarget, newConversationTarget } from './turn-target.js';
import { validateMessage } from './validate-chat-input.js';

/**
 * Builds the chat use cases from their steps: validate the message, describe which conversation the
 * turn belongs to (a TurnTarget), then take the turn — start-turn.ts, continue-turn.ts and
 * take-turn.ts, with generate-reply.ts, summarize-history.ts, title-next-to-reply.ts and
 * persist-turn.ts below them. Streamed and unary turns run the same path; only `events` differs.
 */
export function createChatService(serviceDeps: ChatServiceDeps): ChatService {
  const deps = createChatStepDeps(serviceDeps);
  const { maxMessageBytes } = deps.options;
  return {
    async startConversation(caller, input) {
      validateMessage(input.message, maxMessageBytes);
      // Session metadata on a Start is how clients say "new chat": a new conversation, bound to the session.
      const { isNew, ...started } = await takeTurn(deps, caller, newConversationTarget(input.session), input.message);
      return started;
    },

    async continueConversation(caller, input) {
      validateMessage(input.message, maxMessageBytes);
      const target = continuationTarget(input);
      if (target === undefined) {
        throw invalidArgument('conversation_id or session_metadata', 'conversation_id or session_metadata is required');
      }
      const { conversationId, reply, toolCalls, messageId } = await takeTurn(deps, caller, target, input.message);
      return { conversationId, reply, toolCalls, messageId };
    },

    async continueChatStream(caller, input, events) {
      validateMessage(input.message, maxMessageBytes);
      // The streaming API's "new chat": neither a conversation id nor a session.
      const target = continuationTarget(input) ?? { kind: 'new-conversation' };
      return takeTurn(deps, caller, target, input.message, events);
    },

    listConversations: (caller, input) => listConversations(deps, caller, input),
    describeConversation: (caller, input) => describeConversation(deps, caller, input),
  };
}
