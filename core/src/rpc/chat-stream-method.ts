import type { CallerContext, ChatService, ContinueChatStreamInput, ToolCallStart, TurnEvents } from '../chat/index.js';
import { callerOf } from './chat-caller.js';
import { toSessionInput, toWireDurationMs } from './chat-handlers.js';
import type { ChatStreamEventData, ChatTurnEventName } from './chat-stream-events.js';
import { ContinueChatStreamRequestSchema } from './generated/chat_pb.js';
import type { ServerStreamMethod } from './server-event-stream.js';
import { toToolCallJson } from './to-chat-json.js';

/** The URL name of the streaming chat method (`/twirp/acai.chat.ChatService/ContinueChatStream`). */
export const CONTINUE_CHAT_STREAM = 'ContinueChatStream';

/**
 * Where a streamed turn's events go: the SSE response on the wire, the in-process channel otherwise.
 * `send` resolves when the reader can take more (the turn waits for it) and rejects once it is gone.
 */
export interface ChatTurnEventSink {
  send<Name extends ChatTurnEventName>(event: Name, data: ChatStreamEventData[Name]): Promise<void>;
}

/**
 * ContinueChatStream: the chat use case's turn events as wire events (conversation, delta,
 * tool_call_started, tool_call_finished), then `message` with the stored reply. Failures are the
 * transport's: a Twirp error response before `conversation`, an `error` event after it.
 */
export function createChatStreamMethod(chat: ChatService): ServerStreamMethod<typeof ContinueChatStreamRequestSchema> {
  return {
    name: CONTINUE_CHAT_STREAM,
    input: ContinueChatStreamRequestSchema,
    handler: (request, context, stream) =>
      streamChatTurn(
        chat,
        callerOf(context),
        { conversationId: request.conversationId, message: request.message, session: toSessionInput(request.sessionMetadata) },
        stream,
      ),
  };
}

/** One streamed turn, whichever transport carries it: its events as they happen, `message` last. */
export async function streamChatTurn(chat: ChatService, caller: CallerContext, input: ContinueChatStreamInput, sink: ChatTurnEventSink): Promise<void> {
  const result = await chat.continueChatStream(caller, input, turnEventsOf(sink));
  await sink.send('message', {
    conversation_id: result.conversationId,
    message_id: result.messageId,
    reply: result.reply,
    ...(result.isNew && result.title !== undefined ? { title: result.title } : {}),
    tool_calls: result.toolCalls.map(toToolCallJson),
  });
}

function turnEventsOf(sink: ChatTurnEventSink): TurnEvents {
  return {
    conversation: ({ conversationId, isNew }) => sink.send('conversation', { conversation_id: conversationId, is_new: isNew }),
    textDelta: (text) => sink.send('delta', { text }),
    toolCallStarted: (call) => sink.send('tool_call_started', { ...provenanceOf(call), arguments: call.arguments }),
    toolCallFinished: (call) =>
      sink.send('tool_call_finished', { ...provenanceOf(call), outcome: call.outcome, result: call.result, duration_ms: toWireDurationMs(call.durationMs) }),
  };
}

/** Which call, and which plugin served it (empty strings for a tool no plugin knows). */
function provenanceOf(call: ToolCallStart) {
  return { id: call.id, name: call.name, plugin: call.plugin ?? '', plugin_version: call.pluginVersion ?? '' };
}
