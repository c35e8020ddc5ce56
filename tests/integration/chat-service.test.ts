import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '@acai/plugin-sdk';
import { MemoryKeyValueStore } from '../../core/src/cache/index.js';
import {
  createChatService,
  titleCacheKey,
  type ChatService,
  type ChatServiceOptions,
} from '../../core/src/chat/index.js';
import { HostError } from '../../core/src/errors/index.js';
import { createModelClient } from '../../core/src/llm/index.js';
import type { EmbeddedConversationStore } from '../../core/src/storage/index.js';
import type { ToolExecutor } from '../../core/src/tool-calls/index.js';
import {
  errorReply,
  startFakeOpenAI,
  textReply,
  toolCallsReply,
  type ChatCompletionBody,
  type FakeOpenAIServer,
} from '../fakes/openai/index.js';
import { waitUntil } from '../support/timing.js';
import { callerFor, clockTool, createFixtureTools, createTemporaryStore, noSessions } from './chat-test-support.js';

const CHAT_MODEL = 'fake-chat';
const TITLE_MODEL = 'fake-title';
// About 120 tokens: a few of these overflow a 400-token budget next to the ~230-token system prompt.
const LONG_REPLY = 'alpha beta '.repeat(60).trim();
const clock = { now: () => new Date('2026-03-01T12:00:00Z'), timeZone: 'Europe/Madrid' };

let fake: FakeOpenAIServer;
let store: EmbeddedConversationStore;
let cleanupStore: () => Promise<void>;
let cache: MemoryKeyValueStore;

function service(tools: ToolExecutor = createFixtureTools([clockTool]), options: Partial<ChatServiceOptions> = {}, model = defaultModel()): ChatService {
  return createChatService({ store, sessions: noSessions, model, tools, cache, clock, options });
}

function defaultModel() {
  return createModelClient({
    apiKey: fake.apiKey,
    baseURL: fake.baseURL,
    model: CHAT_MODEL,
    titleModel: TITLE_MODEL,
    timeoutMs: 5_000,
    maxAttempts: 2,
    random: () => 0,
  });
}

function chatBodies(): ChatCompletionBody[] {
  return fake.completionBodies(CHAT_MODEL);
}

function roles(body: ChatCompletionBody): string[] {
  return body.messages.map((message) => message.role);
}

async function hostError(promise: Promise<unknown>): Promise<HostError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(HostError.isInstance(error), String(error)).toBe(true);
  return error as HostError;
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  fake.reset();
  fake.respondWith((body) => (body.model === TITLE_MODEL ? textReply('weather questions for paris') : textReply('Fake answer.')));
  ({ store, cleanup: cleanupStore } = await createTemporaryStore());
  cache = new MemoryKeyValueStore();
});
afterEach(async () => {
  await cleanupStore();
});

describe('StartConversation', () => {
  it('creates a titled conversation holding the user message and the reply', async () => {
    const result = await service().startConversation(callerFor(), { message: 'What is the weather in Paris?' });
    expect(result.conversationId).toMatch(/^[0-9a-f]{24}$/);
    expect(result.title).toBe('Weather Questions for Paris');
    expect(result.reply).toBe('Fake answer.');
    expect(result.toolCalls).toEqual([]);

    const [body] = chatBodies();
    expect(roles(body!)).toEqual(['system', 'user']);
    expect(body!.messages[1]).toEqual({ role: 'user', content: 'What is the weather in Paris?' });
    expect(String(body!.messages[0]!.content)).toContain('Europe/Madrid');
    expect(String(body!.messages[0]!.content)).toContain('fixtures__get_time');
    expect(body!.tools!.map((tool) => tool.function.name)).toEqual(['fixtures__get_time']);

    const stored = await service().describeConversation(callerFor(), { conversationId: result.conversationId });
    expect(stored.title).toBe('Weather Questions for Paris');
    expect(stored.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'What is the weather in Paris?'],
      ['assistant', 'Fake answer.'],
    ]);
    expect(stored.messages[1]!.promptVersion).toMatch(/^sp-[0-9a-f]{12}$/);
  });

  it('generates the title concurrently with the reply', async () => {
    let replyArrived!: () => void;
    const replyRequestSeen = new Promise<void>((resolve) => (replyArrived = resolve));
    // The title answer is held until the reply request has arrived: sequential code would never get there.
    fake.enqueueFor(TITLE_MODEL, textReply('Concurrent Title Test', { waitFor: replyRequestSeen }));
    fake.respondWith((body) => {
      if (body.model === CHAT_MODEL) replyArrived();
      return textReply('Reply text.');
    });
    const result = await service().startConversation(callerFor(), { message: 'concurrency please' });
    expect(result.title).toBe('Concurrent Title Test');
  });

  it('caches titles by the SHA-256 of the first message', async () => {
    await service().startConversation(callerFor(), { message: 'Same opener' });
    await service().startConversation(callerFor(), { message: 'Same opener' });
    expect(fake.completionBodies(TITLE_MODEL)).toHaveLength(1);
    expect(await cache.get(titleCacheKey('Same opener'))).toBe('Weather Questions for Paris');
    expect(titleCacheKey('Same opener')).toMatch(/^title:[0-9a-f]{64}$/);
  });

  it('falls back to a title from the first message, cut on character boundaries, when generation fails', async () => {
    fake.respondWith((body) =>
      body.model === TITLE_MODEL ? errorReply(500, { headers: { 'x-should-retry': 'false' } }) : textReply('Fake answer.'),
    );
    const message = 'ñandú élan 👩‍👩‍👧‍👦 über straße naïve café déjà vu encore';
    const result = await service().startConversation(callerFor(), { message });
    expect(result.title).toBe('Ñandú Élan 👩‍👩‍👧‍👦 Über Straße Naïve Café');
    expect(await cache.get(titleCacheKey(message))).toBeUndefined();
  });

  it('rejects empty, whitespace-only and oversized messages before any I/O', async () => {
    for (const message of ['', '   \t\n ']) {
      const error = await hostError(service().startConversation(callerFor(), { message }));
      expect(error.code).toBe('HOST_INVALID_ARGUMENT');
      expect(error.meta.argument).toBe('message');
    }
    const tooLong = await hostError(service().startConversation(callerFor(), { message: 'é'.repeat(16 * 1024 + 1) }));
    expect(tooLong.meta.argument).toBe('message');
    expect(tooLong.message).toContain('32768');
    await service().startConversation(callerFor(), { message: 'a'.repeat(32 * 1024) });
    expect(chatBodies()).toHaveLength(1);
  });

  it('rejects incomplete session metadata', async () => {
    const error = await hostError(
      service().startConversation(callerFor(), { message: 'hi', session: { platform: 'telegram', userId: '1', chatId: ' ' } }),
    );
    expect(error.code).toBe('HOST_INVALID_ARGUMENT');
    expect(error.meta.argument).toBe('session_metadata');
    expect(error.message).toContain('chat_id');
  });

  it('answers HOST_MODEL_NOT_CONFIGURED naming the variables and stores nothing', async () => {
    const unconfigured = createModelClient({ timeoutMs: 1_000, maxAttempts: 1 });
    const chat = service(undefined, {}, unconfigured);
    const error = await hostError(chat.startConversation(callerFor(), { message: 'hello' }));
    expect(error.code).toBe('HOST_MODEL_NOT_CONFIGURED');
    expect(error.message).toMatch(/OPENAI_MODEL.*OPENAI_API_KEY.*OPENAI_BASE_URL/);
    expect((await chat.listConversations(callerFor(), {})).conversations).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('ends with HOST_DEADLINE_EXCEEDED on a slow model and persists nothing', async () => {
    fake.respondWith((body) =>
      body.model === TITLE_MODEL ? textReply('Slow Title') : textReply('too late', { delayMs: 5_000 }),
    );
    const error = await hostError(service().startConversation(callerFor('default', 800), { message: 'slow please' }));
    expect(error.code).toBe('HOST_DEADLINE_EXCEEDED');
    expect((await service().listConversations(callerFor(), {})).conversations).toEqual([]);
  });
});

describe('ContinueConversation', () => {
  it('sends the stored history exactly once per turn, plus the new message', async () => {
    const chat = service();
    fake.enqueueFor(CHAT_MODEL, textReply('answer one'), textReply('answer two'), textReply('answer three'));
    const { conversationId } = await chat.startConversation(callerFor(), { message: 'one' });
    const second = await chat.continueConversation(callerFor(), { conversationId, message: 'two' });
    expect(second).toMatchObject({ conversationId, reply: 'answer two' });
    await chat.continueConversation(callerFor(), { conversationId, message: 'three' });

    const bodies = chatBodies();
    expect(bodies).toHaveLength(3);
    expect(bodies[2]!.messages.slice(1)).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'answer two' },
      { role: 'user', content: 'three' },
    ]);
    const stored = await chat.describeConversation(callerFor(), { conversationId });
    expect(stored.messages.map((message) => message.content)).toEqual(['one', 'answer one', 'two', 'answer two', 'three', 'answer three']);
  });

  it('validates the conversation id: missing, malformed, unknown, other tenant', async () => {
    const chat = service();
    const neither = await hostError(chat.continueConversation(callerFor(), { message: 'hi' }));
    expect(neither.meta.argument).toBe('conversation_id or session_metadata');
    const malformed = await hostError(chat.continueConversation(callerFor(), { conversationId: 'xyz', message: 'hi' }));
    // Not found, as the old service answered: its clients treat not_found as "forget this id".
    expect(malformed.code).toBe('HOST_CONVERSATION_NOT_FOUND');
    expect(malformed.message).toBe('invalid conversation ID');
    const unknown = await hostError(
      chat.continueConversation(callerFor(), { conversationId: '000000000000000000000000', message: 'hi' }),
    );
    expect(unknown.code).toBe('HOST_CONVERSATION_NOT_FOUND');
    expect(unknown.message).toBe('conversation not found');
    const { conversationId } = await chat.startConversation(callerFor('tenant-a'), { message: 'mine' });
    const foreign = await hostError(chat.continueConversation(callerFor('tenant-b'), { conversationId, message: 'yours?' }));
    expect(foreign.code).toBe('HOST_CONVERSATION_NOT_FOUND');
    const empty = await hostError(chat.continueConversation(callerFor(), { conversationId, message: ' ' }));
    expect(empty.meta.argument).toBe('message');
  });

  it('keeps the current message when the history must be trimmed, dropping the oldest turns', async () => {
    const chat = service(createFixtureTools([]), { contextTokenBudget: 400 });
    fake.respondWith((body) => (body.model === TITLE_MODEL ? textReply('Title') : textReply(LONG_REPLY)));
    const { conversationId } = await chat.startConversation(callerFor(), { message: 'first message' });
    await chat.continueConversation(callerFor(), { conversationId, message: 'second message' });
    await chat.continueConversation(callerFor(), { conversationId, message: 'third message' });
    const last = chatBodies().at(-1)!;
    expect(last.messages.at(-1)).toEqual({ role: 'user', content: 'third message' });
    expect(last.messages.some((message) => message.content === 'first message')).toBe(false);
    expect(roles(last)[0]).toBe('system');
  });

  it('loads only the newest messages of a long conversation', async () => {
    const chat = service(createFixtureTools([]), { recentMessages: 4 });
    const { conversationId } = await chat.startConversation(callerFor(), { message: 'm0' });
    for (let turn = 1; turn <= 4; turn += 1) await chat.continueConversation(callerFor(), { conversationId, message: `m${turn}` });
    const last = chatBodies().at(-1)!;
    expect(last.messages.slice(1).map((message) => message.content)).toEqual(['m2', 'Fake answer.', 'm3', 'Fake answer.', 'm4']);
  });

  it('summarizes turns that fall out of the budget once and sends the summary instead', async () => {
    const chat = service(createFixtureTools([]), { contextTokenBudget: 400, summarize: true });
    let summaries = 0;
    fake.respondWith((body) => {
      if (body.model !== TITLE_MODEL) return textReply(LONG_REPLY);
      if (String(body.messages[0]!.content).startsWith('Summarize')) {
        summaries += 1;
        return textReply(`SUMMARY-${summaries}`);
      }
      return textReply('Title');
    });
    const { conversationId } = await chat.startConversation(callerFor(), { message: 'alpha' });
    await chat.continueConversation(callerFor(), { conversationId, message: 'beta' });
    await chat.continueConversation(callerFor(), { conversationId, message: 'gamma' });
    await chat.continueConversation(callerFor(), { conversationId, message: 'delta' });
    const summaryBodies = fake
      .completionBodies(TITLE_MODEL)
      .filter((body) => String(body.messages[0]!.content).startsWith('Summarize'));
    expect(summaryBodies.length).toBeGreaterThanOrEqual(1);
    // Each stored turn is summarized once: a later summary request carries the earlier summary, not its turns.
    const alphaMentions = summaryBodies.filter((body) => String(body.messages[1]!.content).includes('User: alpha'));
    expect(alphaMentions).toHaveLength(1);
    const last = chatBodies().at(-1)!;
    expect(String(last.messages[0]!.content)).toContain(`SUMMARY-${summaries}`);
    expect(last.messages.at(-1)).toEqual({ role: 'user', content: 'delta' });
    expect(last.messages.some((message) => message.content === 'alpha')).toBe(false);
    const stored = await store.get('default', conversationId);
    expect(stored!.summary?.content).toBe(`SUMMARY-${summaries}`);
  });
});

describe('tool loop', () => {
  it('runs a tool, feeds the result back and persists the call with provenance', async () => {
    const tools = createFixtureTools([clockTool]);
    const chat = service(tools);
    fake.enqueueFor(
      CHAT_MODEL,
      toolCallsReply([{ id: 'call_t1', name: 'fixtures__get_time', arguments: { zone: 'Europe/Oslo' } }]),
      textReply('It is noon in Oslo.'),
      textReply('You are welcome.'),
    );
    const result = await chat.startConversation(callerFor(), { message: 'Time in Oslo?' });
    expect(result.reply).toBe('It is noon in Oslo.');
    expect(result.toolCalls).toEqual([
      expect.objectContaining({
        id: 'call_t1',
        name: 'fixtures__get_time',
        plugin: 'fixtures',
        pluginVersion: '1.0.0',
        tool: 'get_time',
        arguments: '{"zone":"Europe/Oslo"}',
        result: '12:00 in Europe/Oslo',
        outcome: 'ok',
      }),
    ]);
    expect(result.toolCalls[0]!.schemaFingerprint).toBeTruthy();
    const second = chatBodies()[1]!;
    expect(second.messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_t1', type: 'function', function: { name: 'fixtures__get_time', arguments: '{"zone":"Europe/Oslo"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_t1', content: '12:00 in Europe/Oslo' },
    ]);

    // The next turn sees the earlier tool call and its result in OpenAI shape.
    await chat.continueConversation(callerFor(), { conversationId: result.conversationId, message: 'Thanks' });
    expect(roles(chatBodies()[2]!)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
    const stored = await chat.describeConversation(callerFor(), { conversationId: result.conversationId });
    expect(stored.messages[1]!.toolCalls).toHaveLength(1);
  });

  it('runs several requested tools in parallel', async () => {
    let releaseFirst!: () => void;
    const firstStarted: string[] = [];
    const gate = new Promise<void>((resolve) => (releaseFirst = resolve));
    const tools = createFixtureTools([
      {
        ...clockTool,
        name: 'slow_tool',
        execute: async (args) => {
          firstStarted.push(String(args.zone));
          // Waits for the second tool to have started: only parallel execution gets past this.
          await gate;
          return `slow ${String(args.zone)}`;
        },
      },
      {
        ...clockTool,
        name: 'fast_tool',
        execute: (args) => {
          releaseFirst();
          return `fast ${String(args.zone)}`;
        },
      },
    ]);
    fake.enqueueFor(
      CHAT_MODEL,
      toolCallsReply([
        { id: 'call_a', name: 'fixtures__slow_tool', arguments: { zone: 'UTC' } },
        { id: 'call_b', name: 'fixtures__fast_tool', arguments: { zone: 'CET' } },
      ]),
      textReply('done'),
    );
    const result = await service(tools).startConversation(callerFor(), { message: 'both' });
    expect(result.toolCalls.map((call) => [call.id, call.result])).toEqual([
      ['call_a', 'slow UTC'],
      ['call_b', 'fast CET'],
    ]);
    expect(chatBodies()[1]!.messages.slice(3).map((message) => message.tool_call_id)).toEqual(['call_a', 'call_b']);
  });

  it('returns tool failures to the model instead of failing the RPC', async () => {
    const tools = createFixtureTools([
      {
        ...clockTool,
        execute: () => {
          throw new ToolError('UPSTREAM_UNAVAILABLE', 'the time service is down');
        },
      },
    ]);
    fake.enqueueFor(
      CHAT_MODEL,
      toolCallsReply([{ id: 'call_x', name: 'fixtures__get_time', arguments: { zone: 'UTC' } }]),
      textReply('Sorry, the time service is unavailable.'),
    );
    const result = await service(tools).startConversation(callerFor(), { message: 'time?' });
    expect(result.reply).toBe('Sorry, the time service is unavailable.');
    expect(result.toolCalls[0]).toMatchObject({ outcome: 'unavailable' });
    const toolMessage = chatBodies()[1]!.messages.at(-1)!;
    expect(JSON.parse(String(toolMessage.content))).toEqual({
      error: { code: 'UPSTREAM_UNAVAILABLE', message: 'the time service is down' },
    });
  });

  it('sends invalid arguments back as corrections and withdraws the tool when the budget is spent', async () => {
    const tools = createFixtureTools([clockTool]);
    const bad = () => toolCallsReply([{ name: 'fixtures__get_time', arguments: { zone: 1 } }]);
    fake.enqueueFor(CHAT_MODEL, bad(), bad(), bad(), textReply('I could not check the time.'));
    const result = await service(tools, { maxCorrectionsPerTool: 3 }).startConversation(callerFor(), { message: 'time?' });
    expect(result.reply).toBe('I could not check the time.');
    expect(result.toolCalls.map((call) => call.outcome)).toEqual(['invalid_input', 'invalid_input', 'invalid_input']);
    const bodies = chatBodies();
    const firstCorrection = String(bodies[1]!.messages.at(-1)!.content);
    expect(firstCorrection).toContain('/zone');
    expect(firstCorrection).toContain('2 corrections left');
    expect(String(bodies[3]!.messages.at(-1)!.content)).toContain('no longer available');
    // After the third invalid call the tool is withdrawn: definitions stay for pairing but tool use is off.
    expect(bodies[3]!.tool_choice).toBe('none');
    expect(tools.calls).toHaveLength(3);
  });

  it('forces a final answer with tool_choice none when the step limit is reached', async () => {
    const tools = createFixtureTools([clockTool]);
    fake.respondWith((body) => {
      if (body.model === TITLE_MODEL) return textReply('Loop');
      return body.tool_choice === 'none'
        ? textReply('Final answer after the limit.')
        : toolCallsReply([{ name: 'fixtures__get_time', arguments: { zone: 'UTC' } }]);
    });
    const result = await service(tools, { maxToolSteps: 2 }).startConversation(callerFor(), { message: 'loop forever' });
    expect(result.reply).toBe('Final answer after the limit.');
    expect(result.toolCalls).toHaveLength(2);
    expect(chatBodies().map((body) => body.tool_choice)).toEqual(['auto', 'auto', 'none']);
  });

  it('replaces an empty final answer with a helpful fallback text', async () => {
    fake.enqueueFor(CHAT_MODEL, textReply('   '));
    const result = await service().startConversation(callerFor(), { message: 'say nothing' });
    expect(result.reply.length).toBeGreaterThan(10);
    const stored = await service().describeConversation(callerFor(), { conversationId: result.conversationId });
    expect(stored.messages[1]!.content).toBe(result.reply);
  });

  it('feeds an unknown tool back as an error result', async () => {
    fake.enqueueFor(CHAT_MODEL, toolCallsReply([{ id: 'call_u', name: 'made_up_tool', arguments: {} }]), textReply('ok'));
    const result = await service().startConversation(callerFor(), { message: 'use a tool that does not exist' });
    expect(result.toolCalls[0]).toMatchObject({ name: 'made_up_tool', outcome: 'unknown_tool' });
  });

  it('streams through the same loop when streaming is enabled', async () => {
    const streaming = createModelClient({
      apiKey: fake.apiKey,
      baseURL: fake.baseURL,
      model: CHAT_MODEL,
      titleModel: TITLE_MODEL,
      timeoutMs: 5_000,
      maxAttempts: 1,
      stream: true,
    });
    fake.enqueueFor(
      CHAT_MODEL,
      toolCallsReply([{ id: 'call_s', name: 'fixtures__get_time', arguments: { zone: 'Asia/Tokyo' } }]),
      textReply('Streaming works.'),
    );
    const result = await service(undefined, {}, streaming).startConversation(callerFor(), { message: 'stream it' });
    expect(result.reply).toBe('Streaming works.');
    expect(result.toolCalls[0]!.result).toBe('12:00 in Asia/Tokyo');
    expect(chatBodies().every((body) => body.stream === true)).toBe(true);
  });
});

describe('ListConversations and DescribeConversation', () => {
  it('pages newest first and scopes to the tenant', async () => {
    const chat = service();
    const ids: string[] = [];
    for (const message of ['first', 'second', 'third']) {
      ids.push((await chat.startConversation(callerFor('paging'), { message })).conversationId);
    }
    await chat.startConversation(callerFor('someone-else'), { message: 'hidden' });
    const page = await chat.listConversations(callerFor('paging'), { pageSize: 2 });
    expect(page.conversations).toHaveLength(2);
    expect(page.nextPageToken).toBeTruthy();
    const rest = await chat.listConversations(callerFor('paging'), { pageSize: 2, pageToken: page.nextPageToken });
    const seen = [...page.conversations, ...rest.conversations].map((conversation) => conversation.id);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(rest.nextPageToken).toBeUndefined();
  });

  it("refuses another tenant's page token on every listing (paged, unpaged and search) without a trace of the owner", async () => {
    const chat = service();
    for (const message of ['one', 'two', 'three']) await chat.startConversation(callerFor('token-owner'), { message });
    const paged = (await chat.listConversations(callerFor('token-owner'), { pageSize: 1 })).nextPageToken!;
    for (const input of [{ pageToken: paged }, { pageSize: 5, pageToken: paged }, { query: 'one', pageToken: paged }]) {
      const error = await hostError(chat.listConversations(callerFor('token-thief'), input));
      expect(error.code).toBe('HOST_INVALID_ARGUMENT');
      expect(error.meta).toEqual({ argument: 'page_token' });
      expect(error.message).toBe('page_token was returned to another caller, not to this one; list again without page_token');
    }
  });

  it('validates describe ids', async () => {
    const chat = service();
    expect((await hostError(chat.describeConversation(callerFor(), { conversationId: '' }))).meta.argument).toBe('conversation_id');
    expect((await hostError(chat.describeConversation(callerFor(), { conversationId: 'not-hex' }))).code).toBe('HOST_CONVERSATION_NOT_FOUND');
    expect((await hostError(chat.describeConversation(callerFor(), { conversationId: 'ffffffffffffffffffffffff' }))).code).toBe(
      'HOST_CONVERSATION_NOT_FOUND',
    );
  });
});

describe('retries inside a turn', () => {
  it('retries a rate-limited reply and a server error without duplicating the turn', async () => {
    fake.enqueueFor(CHAT_MODEL, errorReply(429, { headers: { 'retry-after-ms': '1' } }), errorReply(500), textReply('third time lucky'));
    const chat = service(undefined, {}, createModelClient({
      apiKey: fake.apiKey,
      baseURL: fake.baseURL,
      model: CHAT_MODEL,
      titleModel: TITLE_MODEL,
      timeoutMs: 5_000,
      maxAttempts: 3,
      random: () => 0,
    }));
    const result = await chat.startConversation(callerFor(), { message: 'retry me' });
    expect(result.reply).toBe('third time lucky');
    expect(chatBodies()).toHaveLength(3);
    const stored = await chat.describeConversation(callerFor(), { conversationId: result.conversationId });
    expect(stored.messages).toHaveLength(2);
  });

  it('answers HOST_MODEL_REJECTED on a 400 without retrying and stores nothing', async () => {
    fake.enqueueFor(CHAT_MODEL, errorReply(400, { code: 'context_length_exceeded', param: 'messages' }));
    const error = await hostError(service().startConversation(callerFor(), { message: 'too big' }));
    expect(error.code).toBe('HOST_MODEL_REJECTED');
    expect(chatBodies()).toHaveLength(1);
    await waitUntil(() => fake.completionBodies(TITLE_MODEL).length === 1, 'the title request');
    expect((await service().listConversations(callerFor(), {})).conversations).toEqual([]);
  });
});
