import type {
  Conversation,
  ConversationHeader,
  ConversationPage,
  ContinueConversationResult,
  StartConversationResult,
  StoredMessage,
  ToolCallRecord,
} from '../chat/index.js';
import { toWireDurationMs } from './chat-handlers.js';
import type {
  ContinueConversationResponseJson,
  ConversationJson,
  ConversationMessageJson,
  DescribeConversationResponseJson,
  ListConversationsResponseJson,
  MessageRoleJson,
  StartConversationResponseJson,
} from './chat-json.js';
import type { ToolCallJson } from './chat-stream-events.js';

// Use-case results as the Twirp JSON codec writes the proto messages (proto3 JSON with proto field
// names and defaults omitted), built directly so an in-process caller gets the wire's JSON without a
// trip through protobuf. Keys follow the proto's field order, as the codec writes them;
// to-chat-json.test.ts compares every mapping with the codec's own output.

export function toStartConversationJson(result: StartConversationResult): StartConversationResponseJson {
  return withoutDefaults({
    conversation_id: result.conversationId,
    title: result.title,
    reply: result.reply,
    tool_calls: result.toolCalls.map(toToolCallJson),
  });
}

export function toContinueConversationJson(result: ContinueConversationResult): ContinueConversationResponseJson {
  return withoutDefaults({
    reply: result.reply,
    conversation_id: result.conversationId,
    tool_calls: result.toolCalls.map(toToolCallJson),
  });
}

export function toListConversationsJson(page: ConversationPage): ListConversationsResponseJson {
  return withoutDefaults({
    conversations: page.conversations.map((header) => toConversationJson(header)),
    next_page_token: page.nextPageToken ?? '',
  });
}

export function toDescribeConversationJson(conversation: Conversation): DescribeConversationResponseJson {
  // A set message field is written even when all its fields are defaults (`{}`).
  return { conversation: toConversationJson(conversation, conversation.messages) };
}

/** A stored tool call as ToolCall JSON, with the result the model saw. */
export function toToolCallJson(call: ToolCallRecord): ToolCallJson {
  return withoutDefaults({
    id: call.id,
    name: call.name,
    plugin: call.plugin ?? '',
    plugin_version: call.pluginVersion ?? '',
    arguments: call.arguments,
    outcome: call.outcome,
    duration_ms: toWireDurationMs(call.durationMs),
    schema_fingerprint: call.schemaFingerprint ?? '',
    result: call.result,
  });
}

function toConversationJson(header: ConversationHeader, messages: readonly StoredMessage[] = []): ConversationJson {
  return withoutDefaults({
    id: header.id,
    title: header.title,
    timestamp: toTimestampJson(header.updatedAt),
    messages: messages.map(toMessageJson),
  });
}

function toMessageJson(message: StoredMessage): ConversationMessageJson {
  return withoutDefaults({
    id: message.id,
    role: ROLE_NAMES[message.role],
    content: message.content,
    timestamp: toTimestampJson(message.createdAt),
    tool_calls: (message.toolCalls ?? []).map(toToolCallJson),
  });
}

// The enum's zero value (UNKNOWN) is a default, so a role the proto does not know is left out.
const ROLE_NAMES: Readonly<Record<string, MessageRoleJson | undefined>> = { user: 'USER', assistant: 'ASSISTANT' };

/** google.protobuf.Timestamp JSON for a millisecond Date: RFC 3339 in UTC, the fraction only when non-zero. */
function toTimestampJson(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

/** Proto3 JSON leaves out fields holding their default: empty strings, zero numbers, empty lists, unset values. */
function withoutDefaults<Fields extends Record<string, unknown>>(fields: Fields): { [Name in keyof Fields]?: Exclude<Fields[Name], undefined> } {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    const isDefault = value === undefined || value === '' || value === 0 || (Array.isArray(value) && value.length === 0);
    if (!isDefault) kept[name] = value;
  }
  return kept as { [Name in keyof Fields]?: Exclude<Fields[Name], undefined> };
}
