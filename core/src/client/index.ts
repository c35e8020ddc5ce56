// Clients of the host's APIs: the chat service and the plugin admin service over Twirp JSON, and the
// chat service in-process for front-ends that run inside the host.
export { createTwirpChatClient } from './twirp-chat-client.js';
export { createTwirpAdminClient } from './twirp-admin-client.js';
export { createInProcessChatApi } from './in-process-chat-api.js';
export type { InProcessChatApiOptions } from './in-process-chat-api.js';
export { createTwirpJsonCaller } from './twirp-json-caller.js';
export type { TwirpCallOptions, TwirpClientOptions, TwirpJsonCall } from './twirp-json-caller.js';
export { TwirpClientError, TWIRP_ERROR_CODES } from './twirp-client-error.js';
export type { TwirpErrorCode } from './twirp-client-error.js';
export type {
  ChatApi,
  ChatCallOptions,
  ChatStreamEvent,
  ChatStreamEventData,
  ChatStreamEventName,
  ChatTurnEvent,
  ContinueChatStreamRequest,
  ContinueConversationRequest,
  ContinueConversationResponse,
  Conversation,
  ConversationMessage,
  DeleteConversationRequest,
  DeleteConversationResponse,
  DescribeConversationRequest,
  DescribeConversationResponse,
  ExportConversationRequest,
  ExportConversationResponse,
  ExportFormat,
  ListConversationsRequest,
  ListConversationsResponse,
  MessageRole,
  RegenerateReplyRequest,
  RegenerateReplyResponse,
  RenameConversationRequest,
  RenameConversationResponse,
  SessionMetadata,
  StartConversationRequest,
  StartConversationResponse,
  TokenUsage,
  ToolCallRecord,
  ToolImage,
} from './chat-api.js';
export type {
  Actor,
  AuditEntry,
  BreakerReset,
  ConfigDrift,
  EnabledOverride,
  ListAuditEntriesRequest,
  ListAuditEntriesResponse,
  ListPluginsResponse,
  PluginAdminApi,
  PluginBreakerState,
  PluginInfo,
  PluginResponse,
  PluginState,
  PluginToolInfo,
  ReloadPluginsResponse,
  ToolSchemaChange,
} from './admin-api.js';
