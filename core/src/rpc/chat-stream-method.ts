import { create, toJson } from '@bufbuild/protobuf';
import type { ChatService, ToolCallStart, TurnEvents } from '../chat/index.js';
import type { ToolCallRecord } from '../storage/conversation-store.js';
import { callerOf, toSessionInput, toWireDurationMs, toWireToolCall } from './chat-handlers.js';
import type { ChatStreamEventData, ChatStreamEventName, ToolCallJson } from './chat-stream-events.js';
import { ContinueChatStreamRequestSchema, ToolCallSchema } from './generated/chat_pb.js';
import type { ServerEventStream, ServerStreamMethod } from './server-event-stream.js';

/** The URL name of the streaming chat method (`/twirp/acai.chat.ChatService/ContinueChatStream`). */
export const CONTINUE_CHAT_STREAM = 'ContinueChatStream';

/**
 * ContinueChatStream: the chat use case's turn events as wire events (conversation, delta,
 * tool_call_started, tool_call_finished), then `message` with the stored reply. Failures are the
 * transport's: a Twirp error response before `conversation`, an `error` event after it.
 */
export function createChatStreamMethod(chat: ChatService): ServerStreamMethod<typeof ContinueChatStreamRequestSchema> {
  return {
    name: CONTINUE_CHAT_STREAM,
    input: ContinueChatStreamRequestSchema,
    async handler(request, context, stream) {
      const emit = <Name extends ChatStreamEventName>(name: Name, data: ChatStreamEventData[Name]) => stream.send(name, data);
      const result = await chat.continueChatStream(
        callerOf(context),
        { conversationId: request.conversationId, message: request.message, session: toSessionInput(request.sessionMetadata) },
        turnEventsOf(emit),
      );
      await emit('message', {
        conversation_id: result.conversationId,
        message_id: result.messageId,
        reply: result.reply,
        ...(result.isNew && result.title !== undefined ? { title: result.title } : {}),
        tool_calls: result.toolCalls.map(toToolCallJson),
      });
    },
  };
}

type Emit = <Name extends ChatStreamEventName>(name: Name, data: ChatStreamEventData[Name]) => ReturnType<ServerEventStream['send']>;

function turnEventsOf(emit: Emit): TurnEvents {
  return {
    conversation: ({ conversationId, isNew }) => emit('conversation', { conversation_id: conversationId, is_new: isNew }),
    textDelta: (text) => emit('delta', { text }),
    toolCallStarted: (call) => emit('tool_call_started', { ...provenanceOf(call), arguments: call.arguments }),
    toolCallFinished: (call) =>
      emit('tool_call_finished', { ...provenanceOf(call), outcome: call.outcome, result: call.result, duration_ms: toWireDurationMs(call.durationMs) }),
  };
}

/** Which call, and which plugin served it (empty strings for a tool no plugin knows). */
function provenanceOf(call: ToolCallStart) {
  return { id: call.id, name: call.name, plugin: call.plugin ?? '', plugin_version: call.pluginVersion ?? '' };
}

/** ToolCall JSON exactly as the Twirp JSON codec writes it in ContinueConversationResponse. */
function toToolCallJson(call: ToolCallRecord): ToolCallJson {
  return toJson(ToolCallSchema, create(ToolCallSchema, toWireToolCall(call)), { useProtoFieldName: true }) as ToolCallJson;
}
