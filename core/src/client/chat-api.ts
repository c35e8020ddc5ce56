// The chat API as clients see it on the wire (Twirp JSON, proto field names, defaults omitted). The
// shapes are defined next to the edge that serves them (rpc/chat-json.ts, rpc/chat-stream-events.ts)
// and named here as clients know them from chat.proto.
import type {
  ContinueChatStreamRequestJson,
  ContinueConversationRequestJson,
  ContinueConversationResponseJson,
  ConversationJson,
  ConversationMessageJson,
  DescribeConversationRequestJson,
  DescribeConversationResponseJson,
  ListConversationsRequestJson,
  ListConversationsResponseJson,
  MessageRoleJson,
  SessionMetadataJson,
  StartConversationRequestJson,
  StartConversationResponseJson,
} from '../rpc/chat-json.js';
import type { ChatTurnEventJson, ToolCallJson } from '../rpc/chat-stream-events.js';

// Type-only imports of the two type-only files: the web console compiles this file for the browser.
export type { ChatStreamEvent, ChatStreamEventData, ChatStreamEventName } from '../rpc/chat-stream-events.js';

/** Identifies an end user of a stateless client (e.g. a Telegram chat). */
export type SessionMetadata = SessionMetadataJson;
/** One tool call made during a turn (its `result` is missing from hosts older than ContinueChatStream). */
export type ToolCallRecord = ToolCallJson;
export type MessageRole = MessageRoleJson;
export type ConversationMessage = ConversationMessageJson;
export type Conversation = ConversationJson;
export type StartConversationRequest = StartConversationRequestJson;
export type StartConversationResponse = StartConversationResponseJson;
export type ContinueConversationRequest = ContinueConversationRequestJson;
export type ContinueConversationResponse = ContinueConversationResponseJson;
/** ContinueChatStream: no conversation_id and no session_metadata start a new conversation. */
export type ContinueChatStreamRequest = ContinueChatStreamRequestJson;
/** What a streamed turn yields, `message` last; a terminal `error` event is thrown as TwirpClientError instead. */
export type ChatTurnEvent = ChatTurnEventJson;
export type ListConversationsRequest = ListConversationsRequestJson;
export type ListConversationsResponse = ListConversationsResponseJson;
export type DescribeConversationRequest = DescribeConversationRequestJson;
export type DescribeConversationResponse = DescribeConversationResponseJson;

/** Per-call options. */
export interface ChatCallOptions {
  signal?: AbortSignal;
}

/**
 * The chat use cases. Implemented over Twirp by createTwirpChatClient, and can be implemented
 * in-process by the host (the Telegram bot accepts either).
 */
export interface ChatApi {
  /**
   * One turn as it happens (ContinueChatStream): `conversation`, then `delta`, `tool_call_started` and
   * `tool_call_finished` events, and `message` with the stored reply. Failures — before the stream or as
   * its `error` event — are thrown as TwirpClientError; a host without the route answers `bad_route`.
   * Leaving the loop early cancels the turn on the host (nothing of it is stored).
   */
  continueChatStream(request: ContinueChatStreamRequest, options?: ChatCallOptions): AsyncIterable<ChatTurnEvent>;
  startConversation(request: StartConversationRequest, options?: ChatCallOptions): Promise<StartConversationResponse>;
  continueConversation(request: ContinueConversationRequest, options?: ChatCallOptions): Promise<ContinueConversationResponse>;
  listConversations(request: ListConversationsRequest, options?: ChatCallOptions): Promise<ListConversationsResponse>;
  describeConversation(request: DescribeConversationRequest, options?: ChatCallOptions): Promise<DescribeConversationResponse>;
}
