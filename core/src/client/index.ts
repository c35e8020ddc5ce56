export { createTwirpChatClient, ChatClientError } from './twirp-chat-client.js';
export type { ChatErrorCode, TwirpChatClientOptions } from './twirp-chat-client.js';
export type {
  ChatApi,
  ChatCallOptions,
  ContinueConversationRequest,
  ContinueConversationResponse,
  Conversation,
  ConversationMessage,
  DescribeConversationRequest,
  DescribeConversationResponse,
  ListConversationsRequest,
  ListConversationsResponse,
  MessageRole,
  SessionMetadata,
  StartConversationRequest,
  StartConversationResponse,
  ToolCallRecord,
} from './chat-api.js';
