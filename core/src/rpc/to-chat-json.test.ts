import { create, fromJson, toJson, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ChatService, Conversation, ConversationPage, StoredMessage, ToolCallRecord } from '../chat/index.js';
import { createChatHandlers, toWireToolCall } from './chat-handlers.js';
import {
  ContinueConversationRequestSchema,
  ContinueConversationResponseSchema,
  DescribeConversationRequestSchema,
  DescribeConversationResponseSchema,
  ListConversationsRequestSchema,
  ListConversationsResponseSchema,
  StartConversationRequestSchema,
  StartConversationResponseSchema,
  ToolCallSchema,
} from './generated/chat_pb.js';
import type { RpcContext } from './rpc-context.js';
import {
  toContinueConversationJson,
  toDescribeConversationJson,
  toListConversationsJson,
  toStartConversationJson,
  toToolCallJson,
} from './to-chat-json.js';
import { encodeTwirpResponse } from './twirp-codec.js';

// The in-process transport maps use-case results to JSON by hand; the Twirp transport goes through the
// generated schema and the codec. Both must produce the same bytes, so every mapping is checked here
// against what the Twirp handlers and the codec make of the same result, defaults and edge values included.

const toolCalls: ToolCallRecord[] = [
  {
    id: 'call_1',
    name: 'weather__current',
    plugin: 'weather',
    pluginVersion: '1.2.3',
    tool: 'current',
    schemaFingerprint: 'abc123',
    arguments: '{"city":"Zürich"}',
    result: '☀️ 21 °C',
    outcome: 'ok',
    durationMs: 12.6,
  },
  // Everything optional absent or at its default: a tool no plugin knows, answered at once.
  { id: '', name: 'made_up', arguments: '', result: '', outcome: 'unknown_tool', durationMs: 0 },
  // Durations outside the proto's uint32 are clamped.
  { id: 'call_big', name: 'slow__tool', arguments: '{}', result: 'late', outcome: 'timeout', durationMs: 2 ** 33 },
  { id: 'call_negative', name: 'odd__clock', arguments: '{}', result: 'x', outcome: 'error', durationMs: -4 },
];

const messages: StoredMessage[] = [
  { id: '65f000000000000000000001', role: 'user', content: 'Weather in Zürich?', createdAt: new Date('2026-03-01T12:00:00.000Z') },
  {
    id: '65f000000000000000000002',
    role: 'assistant',
    content: 'Sunny.',
    createdAt: new Date('2026-03-01T12:00:01.250Z'),
    toolCalls,
    promptVersion: 'sp-000000000000',
  },
  { id: '65f000000000000000000003', role: 'assistant', content: '', createdAt: new Date('1999-12-31T23:59:59.001Z') },
  // A role the proto does not know is its zero value, which JSON leaves out.
  { id: '65f000000000000000000004', role: 'system' as StoredMessage['role'], content: 'odd', createdAt: new Date(0) },
];

const conversation: Conversation = {
  id: '65f0000000000000000000aa',
  tenantId: 'default',
  title: 'Weather in Zürich',
  createdAt: new Date('2026-03-01T12:00:00Z'),
  updatedAt: new Date('2026-03-01T12:00:01.999Z'),
  messageCount: messages.length,
  version: 2,
  messages,
  firstMessageIndex: 0,
};

const emptyConversation: Conversation = { ...conversation, id: '', title: '', updatedAt: new Date('2026-03-01T12:00:00Z'), messages: [] };

const context: RpcContext = {
  requestId: 'parity',
  headers: {},
  signal: new AbortController().signal,
  deadline: Date.now() + 60_000,
  logger: pino({ level: 'silent' }),
  clientIp: '127.0.0.1',
};

/** The Twirp handlers over a use case that answers with the given results. */
function handlersAnswering(answers: Partial<ChatService>) {
  const refuse = () => Promise.reject(new Error('not scripted'));
  return createChatHandlers({
    startConversation: refuse,
    continueConversation: refuse,
    continueChatStream: refuse,
    listConversations: refuse,
    describeConversation: refuse,
    ...answers,
  });
}

/** The request message the Twirp decoder would have made of a JSON body. */
function request<Schema extends DescMessage>(schema: Schema, json: JsonValue) {
  return fromJson(schema, json);
}

/** Our JSON must serialize to exactly the bytes the Twirp codec writes. */
function expectSameBytes(ours: unknown, schema: DescMessage, init: unknown): void {
  const wire = encodeTwirpResponse(schema, 'json', init as never).toString('utf8');
  expect(JSON.stringify(ours)).toBe(wire);
}

describe('the in-process JSON mapping matches the Twirp codec', () => {
  it('for StartConversation, with and without tool calls', async () => {
    for (const result of [
      { conversationId: conversation.id, title: 'Title', reply: 'Hello', toolCalls, messageId: 'm' },
      { conversationId: conversation.id, title: '', reply: '', toolCalls: [], messageId: 'm' },
    ]) {
      const handlers = handlersAnswering({ startConversation: async () => result });
      const init = await handlers.startConversation(request(StartConversationRequestSchema, { message: 'hi' }), context);
      expectSameBytes(toStartConversationJson(result), StartConversationResponseSchema, init);
    }
  });

  it('for ContinueConversation', async () => {
    for (const result of [
      { conversationId: conversation.id, reply: 'Again', toolCalls, messageId: 'm' },
      { conversationId: '', reply: '', toolCalls: [], messageId: 'm' },
    ]) {
      const handlers = handlersAnswering({ continueConversation: async () => result });
      const init = await handlers.continueConversation(request(ContinueConversationRequestSchema, { message: 'hi', conversation_id: conversation.id }), context);
      expectSameBytes(toContinueConversationJson(result), ContinueConversationResponseSchema, init);
    }
  });

  it('for ListConversations: headers, page token, an empty page', async () => {
    const pages: ConversationPage[] = [
      { conversations: [conversation, emptyConversation], nextPageToken: 'next-token' },
      { conversations: [] },
    ];
    for (const page of pages) {
      const handlers = handlersAnswering({ listConversations: async () => page });
      const init = await handlers.listConversations(request(ListConversationsRequestSchema, {}), context);
      expectSameBytes(toListConversationsJson(page), ListConversationsResponseSchema, init);
    }
  });

  it('for DescribeConversation: messages, roles, timestamps, tool calls, and an all-default conversation', async () => {
    for (const described of [conversation, emptyConversation]) {
      const handlers = handlersAnswering({ describeConversation: async () => described });
      const init = await handlers.describeConversation(request(DescribeConversationRequestSchema, { conversation_id: described.id }), context);
      expectSameBytes(toDescribeConversationJson(described), DescribeConversationResponseSchema, init);
    }
  });

  it('for the tool calls of a streamed message event', () => {
    for (const call of toolCalls) {
      const codec = toJson(ToolCallSchema, create(ToolCallSchema, toWireToolCall(call)), { useProtoFieldName: true });
      expect(JSON.stringify(toToolCallJson(call))).toBe(JSON.stringify(codec));
    }
  });
});
