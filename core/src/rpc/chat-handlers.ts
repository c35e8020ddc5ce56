import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ChatService, ConversationHeader, ExportFormat as ExportFormatName, MessageTokenUsage, StoredMessage, ToolCallRecord } from '../chat/index.js';
import { callerOf } from './chat-caller.js';
import type { ChatServiceImplementation } from './chat-service.js';
import { Conversation_Role, ExportFormat, type SessionMetadata } from './generated/chat_pb.js';

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
        usage: toWireUsage(result.usage),
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
        usage: toWireUsage(result.usage),
      };
    },

    async listConversations(request, context) {
      const page = await chat.listConversations(callerOf(context), {
        pageSize: request.pageSize,
        pageToken: request.pageToken,
        query: request.query,
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

    async renameConversation(request, context) {
      const header = await chat.renameConversation(callerOf(context), { conversationId: request.conversationId, title: request.title });
      return { conversation: toWireHeader(header) };
    },

    async deleteConversation(request, context) {
      await chat.deleteConversation(callerOf(context), { conversationId: request.conversationId });
      return {};
    },

    async exportConversation(request, context) {
      const exported = await chat.exportConversation(callerOf(context), { conversationId: request.conversationId, format: exportFormatName(request.format) });
      return { fileName: exported.fileName, contentType: exported.contentType, content: exported.content };
    },

    async regenerateReply(request, context) {
      const result = await chat.regenerateReply(callerOf(context), { conversationId: request.conversationId, messageId: request.messageId });
      return {
        conversationId: result.conversationId,
        messageId: result.messageId,
        reply: result.reply,
        toolCalls: result.toolCalls.map(toWireToolCall),
        usage: toWireUsage(result.usage),
      };
    },
  };
}

/**
 * The export format the use case takes. UNSPECIFIED is JSON (proto3's zero value); a number the enum
 * does not know (a newer client) is passed on as itself, so the use case refuses it as invalid.
 */
export function exportFormatName(format: ExportFormat | number): ExportFormatName {
  if (format === ExportFormat.MARKDOWN) return 'markdown';
  if (format === ExportFormat.JSON || format === ExportFormat.UNSPECIFIED) return 'json';
  return String(format) as ExportFormatName;
}

/** Reported token usage as the proto's TokenUsage; unset when the model reported none. */
export function toWireUsage(usage: MessageTokenUsage | undefined) {
  return usage === undefined ? undefined : { promptTokens: toWireCount(usage.promptTokens), completionTokens: toWireCount(usage.completionTokens) };
}

function toWireCount(count: number): number {
  return Math.min(MAX_UINT32, Math.max(0, Math.round(count)));
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
    usage: toWireUsage(message.usage),
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
    data: call.data ?? '',
    images: (call.images ?? []).map((image) => ({ mimeType: image.mimeType, data: Buffer.from(image.data, 'base64') })),
  };
}

/** A duration as the proto's uint32 milliseconds. */
export function toWireDurationMs(durationMs: number): number {
  return Math.min(MAX_UINT32, Math.max(0, Math.round(durationMs)));
}
