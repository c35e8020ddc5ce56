// The chat API's unary requests and responses as JSON on the wire: Twirp JSON with proto field names,
// defaults omitted, enums by name and RFC 3339 timestamps. Mirrors proto/chat.proto; every response
// field is optional because Twirp omits defaults. The in-process transport speaks it too, and clients
// import these types from core/src/client under their proto names.
import type { ToolCallJson } from './chat-stream-events.js';

/** Identifies an end user of a stateless client (e.g. a Telegram chat). */
export interface SessionMetadataJson {
  platform: string;
  user_id: string;
  chat_id: string;
}

export type MessageRoleJson = 'UNKNOWN' | 'USER' | 'ASSISTANT';

export interface ConversationMessageJson {
  id?: string;
  role?: MessageRoleJson;
  content?: string;
  timestamp?: string;
  tool_calls?: ToolCallJson[];
}

export interface ConversationJson {
  id?: string;
  title?: string;
  timestamp?: string;
  messages?: ConversationMessageJson[];
}

export interface StartConversationRequestJson {
  message: string;
  session_metadata?: SessionMetadataJson;
}

export interface StartConversationResponseJson {
  conversation_id?: string;
  title?: string;
  reply?: string;
  tool_calls?: ToolCallJson[];
}

export interface ContinueConversationRequestJson {
  conversation_id?: string;
  message: string;
  session_metadata?: SessionMetadataJson;
}

export interface ContinueConversationResponseJson {
  reply?: string;
  conversation_id?: string;
  tool_calls?: ToolCallJson[];
}

/** ContinueChatStream: no conversation_id and no session_metadata start a new conversation. */
export interface ContinueChatStreamRequestJson {
  conversation_id?: string;
  message: string;
  session_metadata?: SessionMetadataJson;
}

export interface ListConversationsRequestJson {
  page_size?: number;
  page_token?: string;
}

export interface ListConversationsResponseJson {
  conversations?: ConversationJson[];
  next_page_token?: string;
}

export interface DescribeConversationRequestJson {
  conversation_id: string;
}

export interface DescribeConversationResponseJson {
  conversation?: ConversationJson;
}
