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
  ListConversationsInput,
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
