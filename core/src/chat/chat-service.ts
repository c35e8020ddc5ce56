import { invalidArgument } from '../errors/index.js';
import { createChatStepDeps, type ChatServiceDeps } from './chat-deps.js';
import type { ChatService } from './chat-use-cases.js';
import { describeConversation, listConversations } from './conversation-queries.js';
import { deleteConversation } from './delete-conversation.js';
import { exportConversation } from './export-conversation.js';
import { regenerateReply } from './regenerate-reply.js';
import { renameConversation } from './rename-conversation.js';
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
      const { conversationId, reply, toolCalls, messageId, usage } = await takeTurn(deps, caller, target, input.message);
      return { conversationId, reply, toolCalls, messageId, usage };
    },

    async continueChatStream(caller, input, events) {
      const regenerated = input.regenerateMessageId ?? '';
      if (regenerated !== '') {
        // The reply is regenerated for the user message already stored; a new message would be a second question.
        if (input.message !== '') throw invalidArgument('message', 'message must be empty when regenerate_message_id is set');
        const result = await regenerateReply(deps, caller, { conversationId: input.conversationId ?? '', messageId: regenerated }, events);
        return { ...result, isNew: false };
      }
      validateMessage(input.message, maxMessageBytes);
      // The streaming API's "new chat": neither a conversation id nor a session.
      const target = continuationTarget(input) ?? { kind: 'new-conversation' };
      return takeTurn(deps, caller, target, input.message, events);
    },

    listConversations: (caller, input) => listConversations(deps, caller, input),
    describeConversation: (caller, input) => describeConversation(deps, caller, input),
    renameConversation: (caller, input) => renameConversation(deps, caller, input),
    deleteConversation: (caller, input) => deleteConversation(deps, caller, input),
    exportConversation: (caller, input) => exportConversation(deps, caller, input),
    regenerateReply: (caller, input, events) => regenerateReply(deps, caller, input, events),
  };
}
