export type {
  Conversation,
  ConversationHeader,
  ConversationOrder,
  ConversationPage,
  ConversationStore,
  ConversationSummary,
  CreateConversationInput,
  ListConversationsOptions,
  MessageTokenUsage,
  NewMessage,
  RemovedConversation,
  SearchConversationsOptions,
  SessionIdentity,
  StoredMessage,
  ToolCallRecord,
  ToolCallTokens,
  UntouchedScope,
} from './conversation-store.js';
export { DEFAULT_SEARCH_SCAN_LIMIT } from './conversation-store.js';
export { createConversationStore } from './create-conversation-store.js';
export type { CreateConversationStoreOptions } from './create-conversation-store.js';
export { EmbeddedConversationStore } from './embedded/embedded-conversation-store.js';
export type { EmbeddedConversationStoreOptions } from './embedded/embedded-conversation-store.js';
export { ThreadedConversationStore } from './embedded/threaded-conversation-store.js';
export type { ThreadedConversationStoreOptions } from './embedded/threaded-conversation-store.js';
export { MongoConversationStore } from './mongo/mongo-conversation-store.js';
export type { MongoConversationStoreOptions } from './mongo/mongo-conversation-store.js';
export { createObjectIdHex, isObjectIdHex } from './object-id.js';
export { MAX_PAGE_SIZE, decodePageToken, encodePageToken } from './page-token.js';
export { mongodbUrlProblem } from './mongodb-url-problem.js';
export { decodeOpaqueToken, encodeOpaqueToken, invalidPageToken, pageTokenFields } from './opaque-token.js';
