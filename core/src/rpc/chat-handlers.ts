import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ChatService, ConversationHeader, StoredMessage, ToolCallRecord } from '../chat/index.js';
import { callerOf } from './chat-caller.js';
import type { ChatServiceImplementation } from './chat-service.js';
import { Conversation_Role, type SessionMetadata } from './generated/chat_pb.js';

const MAX_UINT32 = 0xffff_ffff;

/**
 * The Twirp face of the chat use cases: decoded requests in, use-case calls, proto-shaped answers
 * out. Validation lives in the use cases (so every edge shares it); errors are HostErrors that the
 * transport maps with toTwirpError.
 */
export function createChatHandlers(chat: ChatService): ChatServiceImplementation {
  return {
    async startConversation(request, context) {
      const result = await chat.startConversation(callerOf(context), {
        message: request.message,
        session: toSessionInput(request.sessionMetadata),
      });
      return {
        conversationId: result.conversationId,
        title: result.title,
        reply: result.reply,
        toolCalls: result.toolCalls.map(toWireToolCall),
      };
    },

    async continueConversation(request, context) {
      const result = await chat.continueConversation(callerOf(context), {
        conversationId: request.conversationId,
        message: request.message,
        session: toSessionInput(request.sessionMetadata),
      });
      return {
        reply: result.reply,
        conversationId: result.conversationId,
        toolCalls: result.toolCalls.map(toWireToolCall),
      };
    },

    async listConversations(request, context) {
      const page = await chat.listConversations(callerOf(context), {
        pageSize: request.pageSize,
        pageToken: request.pageToken,
      });
      return {
        conversations: page.conversations.map(toWireHeader),
        nextPageToken: page.nextPageToken ?? '',
      };
    },

    async describeConversation(request, context) {
      const conversation = await chat.describeConversation(callerOf(context), { conversationId: request.conversationId });
      return {
        conversation: {
          ...toWireHeader(conversation),
          messages: conversation.messages.map(toWireMessage),
        },
      };
    },
  };
}

/** Session metadata as the use cases take it (absent when the request had none). */
export function toSessionInput(metadata: SessionMetadata | undefined) {
  return metadata === undefined ? undefined : { platform: metadata.platform, userId: metadata.userId, chatId: metadata.chatId };
}

function toWireHeader(header: ConversationHeader) {
  return { id: header.id, title: header.title, timestamp: timestampFromDate(header.updatedAt) };
}

function toWireMessage(message: StoredMessage) {
  return {
    id: message.id,
    role: message.role === 'user' ? Conversation_Role.USER : message.role === 'assistant' ? Conversation_Role.ASSISTANT : Conversation_Role.UNKNOWN,
    content: message.content,
    timestamp: timestampFromDate(message.createdAt),
    toolCalls: (message.toolCalls ?? []).map(toWireToolCall),
  };
}

/** A stored tool call as the proto ToolCall (init shape), with the result the model saw. */
export function toWireToolCall(call: ToolCallRecord) {
  return {
    id: call.id,
    name: call.name,
    plugin: call.plugin ?? '',
    pluginVersion: call.pluginVersion ?? '',
    arguments: call.arguments,
    outcome: call.outcome,
    durationMs: toWireDurationMs(call.durationMs),
    schemaFingerprint: call.schemaFingerprint ?? '',
    result: call.result,
  };
}

/** A duration as the proto's uint32 milliseconds. */
export function toWireDurationMs(durationMs: number): number {
  return Math.min(MAX_UINT32, Math.max(0, Math.round(durationMs)));
}
