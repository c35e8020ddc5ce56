export { createChatService, DEFAULT_CHAT_SERVICE_OPTIONS } from './chat-service.js';
export type {
  ChatService,
  ChatServiceDeps,
  ChatServiceOptions,
  ContinueChatStreamInput,
  ContinueChatStreamResult,
  ContinueConversationInput,
  ContinueConversationResult,
  ListConversationsInput,
  SessionDirectory,
  SessionMetadataInput,
  StartConversationInput,
  StartConversationResult,
} from './chat-service.js';
export { DEFAULT_TENANT_ID } from './caller-context.js';
export type { CallerContext, ChatLogger } from './caller-context.js';
export type { ToolCallStart, TurnEvents } from './turn-events.js';
export { DEFAULT_SYSTEM_PROMPT, createSystemPrompts } from './system-prompts.js';
export type { RenderedSystemPrompt, SystemPromptConfig, SystemPrompts } from './system-prompts.js';
export { formatTitle, fallbackTitle, DEFAULT_TITLE, MAX_TITLE_CHARACTERS, MAX_TITLE_WORDS } from './format-title.js';
export { titleCacheKey } from './title-generator.js';
export { buildModelContext, OMITTED_TOOL_RESULT } from './build-model-context.js';
export { runToolLoop } from './run-tool-loop.js';
