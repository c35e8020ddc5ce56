import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../../core/src/cache/index.js';
import { createChatService } from '../../core/src/chat/index.js';
import { createModelClient, type ModelClient } from '../../core/src/llm/index.js';
import { createChatHandlers } from '../../core/src/rpc/chat-handlers.js';
import { ChatService, twirpPlugin } from '../../core/src/rpc/index.js';
import { startFakeOpenAI, textReply, toolCallsReply, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { createFixtureTools, createTemporaryStore, noSessions } from './chat-test-support.js';

const CHAT_MODEL = 'fake-chat';
const TITLE_MODEL = 'fake-title';
let fake: FakeOpenAIServer;
let app: FastifyInstance;
let cleanupStore: () => Promise<void>;

async function buildApp(model: ModelClient, requestDeadlineMs = 10_000): Promise<FastifyInstance> {
  const created = await createTemporaryStore();
  cleanupStore = created.cleanup;
  const chat = createChatService({
    store: created.store,
    sessions: noSessions,
    model,
    tools: createFixtureTools([
      {
        name: 'get_time',
        description: 'Current time.',
        parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
        execute: () => '12:00',
      },
    ]),
    cache: new MemoryKeyValueStore(),
    clock: { now: () => new Date(), timeZone: 'UTC' },
  });
  const instance = Fastify({ logger: false });
  await instance.register(twirpPlugin, { service: ChatService, implementation: createChatHandlers(chat), requestDeadlineMs });
  await instance.ready();
  return instance;
}

function configuredModel(): ModelClient {
  return createModelClient({ apiKey: fake.apiKey, baseURL: fake.baseURL, model: CHAT_MODEL, titleModel: TITLE_MODEL, timeoutMs: 5_000, maxAttempts: 1 });
}

function call(method: string, body: unknown) {
  return app.inject({
    method: 'POST',
    url: `/twirp/acai.chat.ChatService/${method}`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.respondWith((body) => (body.model === TITLE_MODEL ? textReply('Time Check') : textReply('It is noon.')));
});
afterEach(async () => {
  await app.close();
  await cleanupStore();
});

describe('ChatService over Twirp JSON', () => {
  it('serves all four RPCs with snake_case fields, enum names and tool calls', async () => {
    app = await buildApp(configuredModel());
    fake.enqueueFor(CHAT_MODEL, toolCallsReply([{ id: 'call_1', name: 'fixtures__get_time', arguments: {} }]), textReply('It is noon.'));
    const started = await call('StartConversation', { message: 'What time is it?' });
    expect(started.statusCode).toBe(200);
    const startBody = started.json();
    expect(startBody).toMatchObject({ title: 'Time Check', reply: 'It is noon.' });
    expect(startBody.conversation_id).toMatch(/^[0-9a-f]{24}$/);
    expect(startBody.tool_calls).toEqual([
      expect.objectContaining({ id: 'call_1', name: 'fixtures__get_time', plugin: 'fixtures', plugin_version: '1.0.0', outcome: 'ok' }),
    ]);

    const continued = await call('ContinueConversation', { conversationId: startBody.conversation_id, message: 'Thanks!' });
    expect(continued.json()).toEqual({
      reply: 'It is noon.',
      conversation_id: startBody.conversation_id,
      // The fake reports token usage with every completion, as OpenAI does.
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
    });

    const described = (await call('DescribeConversation', { conversation_id: startBody.conversation_id })).json();
    expect(described.conversation.messages.map((message: { role: string }) => message.role)).toEqual(['USER', 'ASSISTANT', 'USER', 'ASSISTANT']);
    expect(described.conversation.messages[1].tool_calls[0]).toMatchObject({ name: 'fixtures__get_time', schema_fingerprint: expect.any(String) });
    expect(described.conversation.messages[0].tool_calls).toBeUndefined();
    expect(described.conversation.messages[0].timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

    const listed = (await call('ListConversations', {})).json();
    expect(listed.conversations).toEqual([{ id: startBody.conversation_id, title: 'Time Check', timestamp: expect.any(String) }]);
    expect(listed.next_page_token).toBeUndefined();
  });

  it('maps validation failures to invalid_argument with meta.argument', async () => {
    app = await buildApp(configuredModel());
    const cases: [string, unknown, string][] = [
      ['StartConversation', { message: '  ' }, 'message'],
      ['StartConversation', { message: 'x'.repeat(32 * 1024 + 1) }, 'message'],
      ['ContinueConversation', { message: 'hi' }, 'conversation_id or session_metadata'],
      ['ContinueConversation', { message: 'hi', session_metadata: { platform: 'telegram', user_id: '1' } }, 'session_metadata'],
      ['DescribeConversation', {}, 'conversation_id'],
      ['ListConversations', { page_token: 'not a token!' }, 'page_token'],
      ['ListConversations', { page_token: Buffer.from('{"u":1,"i":"0123456789abcdef01234567","o":"someone-else"}').toString('base64url') }, 'page_token'],
      ['ListConversations', { page_token: Buffer.from('{"u":1,"i":"0123456789abcdef01234567"}').toString('base64url').slice(0, 20) }, 'page_token'],
      ['ListConversations', { page_size: 3, page_token: 'A'.repeat(100_000) }, 'page_token'],
    ];
    for (const [method, body, argument] of cases) {
      const response = await call(method, body);
      expect(response.statusCode, `${method} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
      expect(response.json()).toMatchObject({ code: 'invalid_argument', meta: { argument } });
      expect(response.body).not.toMatch(/\bat \S+:\d+|stack/i);
    }
    const missing = await call('DescribeConversation', { conversation_id: '000000000000000000000000' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ code: 'not_found', msg: 'conversation not found' });
    expect(fake.requests).toHaveLength(0);
  });

  it('answers not_found, as the old service did, for a malformed conversation id on every RPC that takes one', async () => {
    app = await buildApp(configuredModel());
    const malformed = [
      'not-an-object-id',
      ' ',
      '\t0123456789abcdef01234567',
      '0123456789abcdef0123456',
      'ｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆ',
      '😀'.repeat(12),
      "0123456789abcdef' OR 1=1 --",
      '{"$gt":""}',
      '0123456789abcdef01234567\u0000',
      'f'.repeat(64 * 1024),
    ];
    for (const conversationId of malformed) {
      for (const [method, body] of [
        ['DescribeConversation', { conversation_id: conversationId }],
        ['ContinueConversation', { conversation_id: conversationId, message: 'hi' }],
        // The id wins over session metadata, so a malformed one is not silently replaced by the session's.
        ['ContinueConversation', { conversation_id: conversationId, message: 'hi', session_metadata: { platform: 'api', user_id: 'u', chat_id: 'c' } }],
      ] as const) {
        const response = await call(method, body);
        const label = `${method} ${JSON.stringify(conversationId).slice(0, 40)}`;
        expect(response.statusCode, label).toBe(404);
        expect(response.json(), label).toEqual({ code: 'not_found', msg: 'invalid conversation ID' });
      }
    }
    // The old clients' other answers stay: an empty id on Describe is a missing argument, an unknown one not found.
    expect((await call('DescribeConversation', { conversation_id: '' })).json()).toMatchObject({ code: 'invalid_argument', meta: { argument: 'conversation_id' } });
    expect((await call('DescribeConversation', { conversation_id: 'FFFFFFFFFFFFFFFFFFFFFFFF' })).json()).toEqual({ code: 'not_found', msg: 'conversation not found' });
    // Nothing reached the model or the store's sessions.
    expect(fake.requests).toHaveLength(0);
    expect((await call('ListConversations', {})).json()).toEqual({});
  });

  it('answers failed_precondition naming the env vars when no model is configured', async () => {
    app = await buildApp(createModelClient({ timeoutMs: 1_000, maxAttempts: 1 }));
    const response = await call('StartConversation', { message: 'hello' });
    expect(response.statusCode).toBe(412);
    expect(response.json().code).toBe('failed_precondition');
    expect(response.json().msg).toContain('OPENAI_API_KEY');
  });

  it('answers deadline_exceeded (not a dropped connection) when the model is too slow', async () => {
    app = await buildApp(configuredModel(), 700);
    fake.respondWith((body) => (body.model === TITLE_MODEL ? textReply('T') : textReply('late', { delayMs: 5_000 })));
    const response = await call('StartConversation', { message: 'slow' });
    expect(response.statusCode).toBe(408);
    expect(response.json().code).toBe('deadline_exceeded');
  });

  it('never leaks upstream error text', async () => {
    app = await buildApp(configuredModel());
    fake.enqueueFor(CHAT_MODEL, { type: 'error', status: 401, message: 'Incorrect API key provided: sk-secret' });
    const response = await call('StartConversation', { message: 'hello' });
    // A rejected model key is the host's setup to fix, named as such; the provider's text stays out.
    expect(response.statusCode).toBe(412);
    expect(response.body).not.toContain('sk-secret');
    expect(response.json()).toMatchObject({ code: 'failed_precondition', meta: { upstream_status: '401' } });
    fake.enqueueFor(CHAT_MODEL, { type: 'error', status: 400, message: 'Bad request quoting sk-secret' });
    const rejected = await call('StartConversation', { message: 'hello' });
    expect(rejected.statusCode).toBe(500);
    expect(rejected.body).not.toContain('sk-secret');
    expect(rejected.json()).toMatchObject({ code: 'internal' });
  });
});
