export { createChatService } from './chat-service.js';
export { DEFAULT_CHAT_SERVICE_OPTIONS } from './chat-service-options.js';
export type { ChatServiceOptions } from './chat-service-options.js';
export type { ChatServiceDeps } from './chat-deps.js';
export type {
  ChatService,
  ContinueChatStreamInput,
  ContinueChatStreamResult,
  ContinueConversationInput,
  ContinueConversationResult,
  ConversationExport,
  ExportConversationInput,
  ExportFormat,
  ListConversationsInput,
  RegenerateReplyInput,
  RenameConversationInput,
  SessionMetadataInput,
  StartConversationInput,
  StartConversationResult,
} from './chat-use-cases.js';
export type { SessionDirectory } from './session-directory.js';
export type { TurnTarget } from './turn-target.js';
// The stored records the use cases hand to their edges: rpc/ and other edges take them from here, not from storage/.
export type {
  Conversation,
  ConversationHeader,
  ConversationPage,
  MessageTokenUsage,
  SessionIdentity,
  StoredMessage,
  ToolCallRecord,
} from '../storage/conversation-store.js';
export { DEFAULT_TENANT_ID } from './caller-context.js';
export type { CallerContext, ChatLogger } from './caller-context.js';
export type { ToolCallStart, TurnEvents } from './turn-events.js';
export { DEFAULT_SYSTEM_PROMPT, createSystemPrompts } from './system-prompts.js';
export type { RenderedSystemPrompt, SystemPromptConfig, SystemPrompts } from './system-prompts.js';
export { formatTitle, fallbackTitle, DEFAULT_TITLE, MAX_TITLE_CHARACTERS, MAX_TITLE_WORDS } from './format-title.js';
export { titleCacheKey } from './title-generator.js';
export { buildModelContext, OMITTED_TOOL_RESULT } from './build-model-context.js';
export { runToolLoop } from './run-tool-loop.js';
export { createConversationRemover } from './remove-conversation.js';
export type { ConversationRemover } from './remove-conversation.js';
export { CONVERSATION_EXPORT_FORMAT } from './export-conversation.js';
export { MAX_CONVERSATION_TITLE_CHARACTERS, MAX_SEARCH_QUERY_CHARACTERS } from './validate-chat-input.js';
export { MAX_STORED_TOOL_DATA_BYTES, MAX_TURN_IMAGE_CHARACTERS } from './tool-call-record.js';
