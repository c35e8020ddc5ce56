import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import { createChatService, type ChatService } from '../chat/index.js';
import { callerFor, noSessions, useTemporaryStore, type LoggedLine } from '../chat/testing/chat-test-parts.js';
import { createFixtureTools } from '../chat/testing/fixture-tools.js';
import { createScriptedModel, text, toolCalls, type ScriptedAnswers, type ScriptedModelClient } from '../chat/testing/scripted-model-client.js';
import { HostError, TwirpError } from '../errors/index.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import type { ChatTurnEventJson } from './chat-stream-events.js';
import { createInProcessChatTransport, type InProcessChatTransport, type InProcessChatTransportOptions } from './in-process-chat-transport.js';

const clock = { now: () => new Date('2026-03-01T12:00:00Z'), timeZone: 'UTC' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));
let model: ScriptedModelClient;
let chat: ChatService;
let abortedToolCalls: number;
let logLines: LoggedLine[];

beforeEach(() => {
  abortedToolCalls = 0;
  logLines = [];
  useModel({ reply: () => text('Hello there.', { chunks: ['Hello ', 'there.'] }), title: () => text('Greeting') });
});

function useModel(script: { reply: ScriptedAnswers; title?: ScriptedAnswers }): void {
  model = createScriptedModel({ title: () => text('Greeting'), ...script });
  const tools = createFixtureTools([
    {
      name: 'wait',
      description: 'Waits until cancelled.',
      parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
      execute: (_args, signal) =>
        new Promise<string>((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            abortedToolCalls += 1;
            reject(new Error('cancelled'));
          }),
        ),
    },
  ]);
  chat = createChatService({ store, sessions: noSessions, model, tools, cache: new MemoryKeyValueStore(), clock });
}

function transport(options: Partial<InProcessChatTransportOptions> = {}, service: ChatService = chat): InProcessChatTransport {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line) as LoggedLine) });
  return createInProcessChatTransport(service, { tenantId: 'in-process', logger, ...options });
}

async function failure(promise: Promise<unknown>): Promise<TwirpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TwirpError);
  return error as TwirpError;
}

async function collect(events: AsyncIterable<ChatTurnEventJson>): Promise<{ events: ChatTurnEventJson[]; error?: TwirpError }> {
  const seen: ChatTurnEventJson[] = [];
  try {
    for await (const event of events) seen.push(event);
    return { events: seen };
  } catch (error) {
    if (!(error instanceof TwirpError)) throw error;
    return { events: seen, error };
  }
}

/** A use case that never answers and ignores its signal. */
const deafChat: ChatService = {
  startConversation: () => new Promise(() => {}),
  continueConversation: () => new Promise(() => {}),
  continueChatStream: () => new Promise(() => {}),
  listConversations: () => new Promise(() => {}),
  describeConversation: () => new Promise(() => {}),
};

describe('createInProcessChatTransport', () => {
  it('answers the unary calls with the wire JSON, for the transport\'s tenant', async () => {
    const api = transport();
    const started = await api.startConversation({ message: 'hi' });
    expect(started).toEqual({ conversation_id: expect.stringMatching(/^[0-9a-f]{24}$/), title: 'Greeting', reply: 'Hello there.' });
    const conversationId = started.conversation_id!;
    expect(await api.continueConversation({ conversation_id: conversationId, message: 'again' })).toEqual({ reply: 'Hello there.', conversation_id: conversationId });
    const listed = await api.listConversations({});
    expect(listed).toEqual({ conversations: [{ id: conversationId, title: 'Greeting', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/) }] });
    const described = await api.describeConversation({ conversation_id: conversationId });
    expect(described.conversation!.messages!.map((message) => [message.role, message.content])).toEqual([
      ['USER', 'hi'],
      ['ASSISTANT', 'Hello there.'],
      ['USER', 'again'],
      ['ASSISTANT', 'Hello there.'],
    ]);
    expect(await store.get('in-process', conversationId)).toBeDefined();
    expect(await store.get('default', conversationId)).toBeUndefined();
  });

  it('acts for the default tenant when given none', async () => {
    const started = await transport({ tenantId: '' }).startConversation({ message: 'hi' });
    expect(await store.get('default', started.conversation_id!)).toBeDefined();
  });

  it('answers malformed for hostile requests before any work, as the wire does', async () => {
    const api = transport();
    const hostile: unknown[] = [null, 'hi', [], { message: 42 }, { message: 'hi', session_metadata: [] }, { message: 'hi', session_metadata: { platform: {} } }];
    for (const request of hostile) {
      const error = await failure(api.startConversation(request as never));
      expect([error.code, error.message, error.httpStatus]).toEqual(['malformed', 'the json request could not be decoded', 400]);
      expect(await collect(api.continueChatStream(request as never))).toMatchObject({ events: [], error: { code: 'malformed' } });
    }
    expect((await failure(api.listConversations({ page_size: -1 })))).toMatchObject({ code: 'malformed' });
    expect(model.calls).toEqual([]);
    expect((await store.list('in-process', { pageSize: 10 })).conversations).toEqual([]);
  });

  it('passes the use cases\' own answers through: invalid arguments, oversized messages, unknown conversations', async () => {
    const api = transport();
    expect(await failure(api.continueConversation({ message: 'hi' }))).toMatchObject({
      code: 'invalid_argument',
      meta: { argument: 'conversation_id or session_metadata' },
    });
    expect(await failure(api.startConversation({ message: 'x'.repeat(32 * 1024 + 1) }))).toMatchObject({ code: 'invalid_argument', meta: { argument: 'message' } });
    const missing = await failure(api.describeConversation({ conversation_id: 'ffffffffffffffffffffffff' }));
    expect([missing.code, missing.message, missing.httpStatus]).toEqual(['not_found', 'conversation not found', 404]);
    expect(missing.cause).toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
  });

  it('hides internal failures behind the generic message and logs them with the method', async () => {
    const secret = new Error('upstream said: key sk-secret is invalid');
    useModel({ reply: [{ error: secret }] });
    const error = await failure(transport().startConversation({ message: 'hi' }));
    expect([error.code, error.message]).toEqual(['internal', 'internal error']);
    expect(error.cause).toBe(secret);
    expect(logLines.filter((line) => line.msg === 'in-process chat call failed').map((line) => line.method)).toEqual(['StartConversation']);
  });

  it('ends a call at its deadline, even when the use case ignores its signal', async () => {
    const error = await failure(transport({ deadlineMs: 50 }, deafChat).listConversations({}));
    expect([error.code, error.message]).toEqual(['deadline_exceeded', 'request deadline exceeded']);
  });

  it('cancels a call when the caller gives up, and does not start one the caller already gave up', async () => {
    const controller = new AbortController();
    const pending = transport({}, deafChat).describeConversation({ conversation_id: 'ffffffffffffffffffffffff' }, { signal: controller.signal });
    controller.abort();
    expect(await failure(pending)).toMatchObject({ code: 'canceled', message: 'the caller cancelled the request' });
    expect(await failure(transport().startConversation({ message: 'hi' }, { signal: AbortSignal.abort() }))).toMatchObject({ code: 'canceled' });
    expect(model.calls).toEqual([]);
  });

  describe('continueChatStream', () => {
    it('yields the turn\'s events as a remote client parses them, the stored reply last', async () => {
      const { events, error } = await collect(transport().continueChatStream({ message: 'hi' }));
      expect(error).toBeUndefined();
      const conversationId = (events[0]!.data as { conversation_id: string }).conversation_id;
      expect(events).toEqual([
        { event: 'conversation', data: { conversation_id: conversationId, is_new: true } },
        { event: 'delta', data: { text: 'Hello ' } },
        { event: 'delta', data: { text: 'there.' } },
        { event: 'message', data: { conversation_id: conversationId, message_id: expect.stringMatching(/^[0-9a-f]{24}$/), reply: 'Hello there.', title: 'Greeting', tool_calls: [] } },
      ]);
      const stored = await store.get('in-process', conversationId);
      expect(stored!.messages[1]!.id).toBe((events[3]!.data as { message_id: string }).message_id);
    });

    it('throws a failure of the turn after the events that came before it, and stores nothing', async () => {
      useModel({ reply: [{ error: new HostError('HOST_MODEL_UNAVAILABLE', 'the model endpoint is temporarily unavailable; retry later') }] });
      const { events, error } = await collect(transport().continueChatStream({ message: 'hi' }));
      expect(events.map((event) => event.event)).toEqual(['conversation']);
      expect(error).toMatchObject({ code: 'unavailable', httpStatus: 503 });
      expect((await store.list('in-process', { pageSize: 10 })).conversations).toEqual([]);
    });

    it('cancels the turn when the reader leaves early: the running tool is aborted and nothing is stored', async () => {
      useModel({ reply: [toolCalls([{ name: 'fixtures__wait', arguments: {} }])] });
      let conversationId = '';
      for await (const event of transport().continueChatStream({ message: 'wait for it' })) {
        if (event.event === 'conversation') conversationId = event.data.conversation_id;
        if (event.event === 'tool_call_started') break;
      }
      // Leaving returned only after the call was aborted; the tool's abort handler has run by then.
      expect(abortedToolCalls).toBe(1);
      expect(await store.get('in-process', conversationId)).toBeUndefined();
    });

    it('holds the turn back while the reader does not read', async () => {
      const chunks = Array.from({ length: 40 }, (_, index) => `${index} `);
      let delivered = 0;
      useModel({ reply: () => text(chunks.join(''), { chunks }) });
      const counting: ChatService = {
        ...chat,
        continueChatStream: (caller, input, events) =>
          chat.continueChatStream(caller, input, { ...events, textDelta: (delta) => ((delivered += 1), events.textDelta?.(delta)) }),
      };
      const reader = transport({}, counting).continueChatStream({ message: 'count' })[Symbol.asyncIterator]();
      await reader.next();
      // Everything below runs on promises: a few turns of the event loop finish whatever can proceed.
      for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      expect(delivered).toBeLessThan(20);
      let rest = 0;
      while (!(await reader.next()).done) rest += 1;
      expect(delivered).toBe(40);
      expect(rest).toBe(41); // the 40 deltas and `message`
    });

    it('ends at the deadline even when the use case ignores its signal', async () => {
      const { events, error } = await collect(transport({ deadlineMs: 50 }, deafChat).continueChatStream({ message: 'hi' }));
      expect(events).toEqual([]);
      expect(error).toMatchObject({ code: 'deadline_exceeded' });
    });
  });

  it('hands the use cases the caller context of the call', async () => {
    let seen: ReturnType<typeof callerFor> | undefined;
    const spying: ChatService = { ...deafChat, listConversations: async (caller) => ((seen = caller), { conversations: [] }) };
    const before = Date.now();
    expect(await transport({ deadlineMs: 5_000 }, spying).listConversations({ page_size: 3 })).toEqual({});
    expect(seen!.tenantId).toBe('in-process');
    expect(seen!.deadline).toBeGreaterThanOrEqual(before + 5_000);
    expect(seen!.signal.aborted).toBe(false);
  });
});
