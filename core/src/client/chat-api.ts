// The chat API as clients see it on the wire (Twirp JSON, proto field names, defaults omitted).
// Mirrors proto/chat.proto; every field is optional on responses because Twirp omits defaults.
// The ContinueChatStream events are defined next to the route that sends them.
import type { ChatStreamEvent, ToolCallJson } from '../rpc/chat-stream-events.js';

export type { ChatStreamEvent, ChatStreamEventData, ChatStreamEventName } from '../rpc/chat-stream-events.js';

/** Identifies an end user of a stateless client (e.g. a Telegram chat). */
export interface SessionMetadata {
  platform: string;
  user_id: string;
  chat_id: string;
}

/** One tool call made during a turn (its `result` is missing from hosts older than ContinueChatStream). */
export type ToolCallRecord = ToolCallJson;

export type MessageRole = 'UNKNOWN' | 'USER' | 'ASSISTANT';

export interface ConversationMessage {
  id?: string;
  role?: MessageRole;
  content?: string;
  timestamp?: string;
  tool_calls?: ToolCallRecord[];
}

export interface Conversation {
  id?: string;
  title?: string;
  timestamp?: string;
  messages?: ConversationMessage[];
}

export interface StartConversationRequest {
  message: string;
  session_metadata?: SessionMetadata;
}

export interface StartConversationResponse {
  conversation_id?: string;
  title?: string;
  reply?: string;
  tool_calls?: ToolCallRecord[];
}

export interface ContinueConversationRequest {
  conversation_id?: string;
  message: string;
  session_metadata?: SessionMetadata;
}

export interface ContinueConversationResponse {
  reply?: string;
  conversation_id?: string;
  tool_calls?: ToolCallRecord[];
}

/** ContinueChatStream: no conversation_id and no session_metadata start a new conversation. */
export interface ContinueChatStreamRequest {
  conversation_id?: string;
  message: string;
  session_metadata?: SessionMetadata;
}

/** What a streamed turn yields, `message` last; a terminal `error` event is thrown as TwirpClientError instead. */
export type ChatTurnEvent = Exclude<ChatStreamEvent, { readonly event: 'error' }>;

export interface ListConversationsRequest {
  page_size?: number;
  page_token?: string;
}

export interface ListConversationsResponse {
  conversations?: Conversation[];
  next_page_token?: string;
}

export interface DescribeConversationRequest {
  conversation_id: string;
}

export interface DescribeConversationResponse {
  conversation?: Conversation;
}

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
