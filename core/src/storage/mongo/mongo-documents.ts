import type { ObjectId } from 'mongodb';
import type { ToolImage } from '../../tool-calls/index.js';
import type {
  ConversationHeader,
  ConversationSummary,
  MessageTokenUsage,
  NewMessage,
  StoredMessage,
  ToolCallRecord,
} from '../conversation-store.js';
import { createObjectIdHex } from '../object-id.js';

/**
 * `conversations`: one small header document per conversation. Field names follow the old Go
 * service's documents (snake_case, `platform`/`user_id`/`chat_id`, `created_at`/`updated_at`), except
 * that the title is `title` (the old service called it `subject`) and messages live in
 * `conversation_turns` (see below) instead of an embedded array.
 */
export interface ConversationDocument {
  _id: ObjectId;
  tenant_id: string;
  title: string;
  created_at: Date;
  updated_at: Date;
  platform?: string;
  user_id?: string;
  chat_id?: string;
  /** Hints kept with `$max`; the turn log is the source of truth (see mongo-conversation-store.ts). */
  version: number;
  message_count: number;
  summary?: SummaryDocument;
}

export interface SummaryDocument {
  content: string;
  covers_through_index: number;
  created_at: Date;
}

/**
 * `conversation_turns`: one document per append, `_id` = `<conversation id>:<version, 10 digits>`.
 * Inserting a turn is the append: the unique `_id` makes two writers racing for the same version
 * collide instead of overwriting each other, on MongoDB and on FerretDB alike.
 */
export interface TurnDocument {
  _id: string;
  conversation_id: ObjectId;
  tenant_id: string;
  version: number;
  /** Index (in the whole conversation) of messages[0]. */
  first_index: number;
  /** first_index + messages.length: the conversation's message count after this turn. */
  end_index: number;
  created_at: Date;
  messages: MessageDocument[];
  /** `plugin` and `plugin@version` of every tool call in the turn, for provenance queries. */
  tool_plugins?: string[];
}

export interface MessageDocument {
  _id: string;
  role: 'user' | 'assistant';
  content: string;
  created_at: Date;
  tool_calls?: ToolCallDocument[];
  prompt_version?: string;
  tokens?: number;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface ToolCallDocument {
  id: string;
  name: string;
  plugin?: string;
  plugin_version?: string;
  tool?: string;
  schema_fingerprint?: string;
  arguments: string;
  result: string;
  outcome: string;
  duration_ms: number;
  /** JSON text of the tool's structured result. */
  data?: string;
  /** Base64 in a string, as on the wire: FerretDB and MongoDB store it alike, and nothing re-encodes it. */
  images?: Array<{ mime_type: ToolImage['mimeType']; data: string }>;
  /** Token counts of the call and its result (absent on calls stored before they were kept). */
  tokens?: { call: number; result: number };
}

const VERSION_DIGITS = 10;

export function turnId(conversationHex: string, version: number): string {
  return `${conversationHex}:${String(version).padStart(VERSION_DIGITS, '0')}`;
}

/** `_id` bounds that contain exactly the turns of one conversation (':' < ';' in code points). */
export function turnIdRange(conversationHex: string): { $gt: string; $lt: string } {
  return { $gt: `${conversationHex}:`, $lt: `${conversationHex};` };
}

export function toMessageDocument(message: NewMessage, now: Date): MessageDocument {
  const document: MessageDocument = {
    _id: message.id ?? createObjectIdHex(now),
    role: message.role,
    content: message.content,
    created_at: message.createdAt ?? now,
  };
  if (message.toolCalls !== undefined && message.toolCalls.length > 0) {
    document.tool_calls = message.toolCalls.map(toToolCallDocument);
  }
  if (message.promptVersion !== undefined) document.prompt_version = message.promptVersion;
  if (message.tokens !== undefined) document.tokens = message.tokens;
  if (message.usage !== undefined) document.usage = { prompt_tokens: message.usage.promptTokens, completion_tokens: message.usage.completionTokens };
  return document;
}

function toToolCallDocument(call: ToolCallRecord): ToolCallDocument {
  const document: ToolCallDocument = {
    id: call.id,
    name: call.name,
    arguments: call.arguments,
    result: call.result,
    outcome: call.outcome,
    duration_ms: call.durationMs,
  };
  if (call.plugin !== undefined) document.plugin = call.plugin;
  if (call.pluginVersion !== undefined) document.plugin_version = call.pluginVersion;
  if (call.tool !== undefined) document.tool = call.tool;
  if (call.schemaFingerprint !== undefined) document.schema_fingerprint = call.schemaFingerprint;
  if (call.data !== undefined) document.data = call.data;
  if (call.images !== undefined && call.images.length > 0) document.images = call.images.map((image) => ({ mime_type: image.mimeType, data: image.data }));
  if (call.tokens !== undefined) document.tokens = { call: call.tokens.call, result: call.tokens.result };
  return document;
}

export function toolPluginKeys(messages: readonly MessageDocument[]): string[] {
  const keys = new Set<string>();
  for (const message of messages) {
    for (const call of message.tool_calls ?? []) {
      if (call.plugin === undefined) continue;
      keys.add(call.plugin);
      if (call.plugin_version !== undefined) keys.add(`${call.plugin}@${call.plugin_version}`);
    }
  }
  return [...keys];
}

export function fromMessageDocument(document: MessageDocument): StoredMessage {
  const message: {
    -readonly [K in keyof StoredMessage]: StoredMessage[K];
  } = { id: document._id, role: document.role, content: document.content, createdAt: document.created_at };
  if (document.tool_calls !== undefined) message.toolCalls = document.tool_calls.map(fromToolCallDocument);
  if (document.prompt_version !== undefined) message.promptVersion = document.prompt_version;
  if (document.tokens !== undefined) message.tokens = document.tokens;
  if (document.usage !== undefined) message.usage = fromUsageDocument(document.usage);
  return message;
}

function fromUsageDocument(document: NonNullable<MessageDocument['usage']>): MessageTokenUsage {
  return { promptTokens: document.prompt_tokens, completionTokens: document.completion_tokens };
}

function fromToolCallDocument(document: ToolCallDocument): ToolCallRecord {
  const call: { -readonly [K in keyof ToolCallRecord]: ToolCallRecord[K] } = {
    id: document.id,
    name: document.name,
    arguments: document.arguments,
    result: document.result,
    outcome: document.outcome,
    durationMs: document.duration_ms,
  };
  if (document.plugin !== undefined) call.plugin = document.plugin;
  if (document.plugin_version !== undefined) call.pluginVersion = document.plugin_version;
  if (document.tool !== undefined) call.tool = document.tool;
  if (document.schema_fingerprint !== undefined) call.schemaFingerprint = document.schema_fingerprint;
  if (document.data !== undefined) call.data = document.data;
  if (document.images !== undefined) call.images = document.images.map((image) => ({ mimeType: image.mime_type, data: image.data }));
  if (document.tokens !== undefined) call.tokens = { call: document.tokens.call, result: document.tokens.result };
  return call;
}

export function fromConversationDocument(document: ConversationDocument): ConversationHeader {
  const header: { -readonly [K in keyof ConversationHeader]: ConversationHeader[K] } = {
    id: document._id.toHexString(),
    tenantId: document.tenant_id,
    title: document.title,
    createdAt: document.created_at,
    updatedAt: document.updated_at,
    messageCount: document.message_count,
    version: document.version,
  };
  if (document.platform !== undefined && document.chat_id !== undefined && document.user_id !== undefined) {
    header.session = { platform: document.platform, chatId: document.chat_id, userId: document.user_id };
  }
  return header;
}

export function fromSummaryDocument(document: SummaryDocument): ConversationSummary {
  return { content: document.content, coversThroughIndex: document.covers_through_index, createdAt: document.created_at };
}

/** What List and the session/provenance lookups read: everything but the summary. */
export const HEADER_PROJECTION = {
  _id: 1,
  tenant_id: 1,
  title: 1,
  created_at: 1,
  updated_at: 1,
  platform: 1,
  user_id: 1,
  chat_id: 1,
  version: 1,
  message_count: 1,
} as const;
