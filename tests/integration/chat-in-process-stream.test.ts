// The in-process chat API streams a turn exactly like the SSE route does (same handler, same JSON),
// with the same failures and the same cancellation when the reader leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { MemoryKeyValueStore } from '../../core/src/cache/index.js';
import { createChatService, type ChatService } from '../../core/src/chat/index.js';
import { createInProcessChatApi, TwirpClientError, type ChatApi, type ChatTurnEvent } from '../../core/src/client/index.js';
import { createModelClient } from '../../core/src/llm/index.js';
import type { EmbeddedConversationStore } from '../../core/src/storage/index.js';
import { errorReply, startFakeOpenAI, streamedTextReply, toolCallsReply, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { waitUntil } from '../support/timing.js';
import { createFixtureTools, createTemporaryStore, noSessions } from './chat-test-support.js';

let fake: FakeOpenAIServer;
let store: EmbeddedConversationStore;
let cleanup: () => Promise<void>;
let chat: ChatService;
let api: ChatApi;
let abortedToolCalls = 0;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  ({ store, cleanup } = await createTemporaryStore());
  const tools = createFixtureTools([
    {
      name: 'wait',
      description: 'Waits until cancelled.',
      parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
      execute: (_args, signal) =>
        new Promise<string>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            abortedToolCalls += 1;
            reject(new Error('cancelled'));
          });
        }),
    },
  ]);
  const model = createModelClient({ apiKey: fake.apiKey, baseURL: fake.baseURL, model: 'in-process-chat', titleModel: 'in-process-title', timeoutMs: 5_000, maxAttempts: 1 });
  chat = createChatService({ store, sessions: noSessions, model, tools, cache: new MemoryKeyValueStore(), clock: { now: () => new Date(), timeZone: 'UTC' } });
  api = createInProcessChatApi(chat, { tenantId: 'in-process', logger: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await cleanup?.();
  await fake?.close();
});

async function collect(request: Parameters<ChatApi['continueChatStream']>[0]): Promise<{ events: ChatTurnEvent[]; error?: TwirpClientError }> {
  const events: ChatTurnEvent[] = [];
  try {
    for await (const event of api.continueChatStream(request)) events.push(event);
    return { events };
  } catch (error) {
    if (!TwirpClientError.isInstance(error)) throw error;
    return { events, error };
  }
}

describe('createInProcessChatApi().continueChatStream', () => {
  it('yields the wire events of a turn, the message with the stored reply id last', async () => {
    fake.enqueueFor('in-process-title', { type: 'text', content: 'In Process' });
    fake.enqueueFor('in-process-chat', streamedTextReply(['Hello ', 'there']));
    const { events, error } = await collect({ message: 'hi' });
    expect(error).toBeUndefined();
    expect(events.map((event) => event.event)).toEqual(['conversation', 'delta', 'delta', 'message']);
    const message = events.at(-1)!;
    if (message.event !== 'message') throw new Error('no message');
    expect(message.data).toEqual({
      conversation_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      message_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      reply: 'Hello there',
      title: 'In Process',
      tool_calls: [],
    });
    const stored = await store.get('in-process', message.data.conversation_id);
    expect(stored?.messages[1]?.id).toBe(message.data.message_id);
  });

  it('throws Twirp client errors: before the stream for bad requests, after its events for a failed turn', async () => {
    const missing = await collect({ conversation_id: 'ffffffffffffffffffffffff', message: 'hi' });
    expect(missing).toMatchObject({ events: [], error: { code: 'not_found', httpStatus: 404 } });
    const malformed = await collect({ conversation_id: "' OR 1=1 --", message: 'hi' });
    expect(malformed).toMatchObject({ events: [], error: { code: 'not_found', message: 'invalid conversation ID', httpStatus: 404 } });

    fake.enqueueFor('in-process-chat', errorReply(400));
    const failed = await collect({ message: 'will fail' });
    expect(failed.events.map((event) => event.event)).toEqual(['conversation']);
    expect(failed.error).toMatchObject({ code: 'internal', message: 'internal error' });
    const conversationId = (failed.events[0]!.data as { conversation_id: string }).conversation_id;
    expect(await store.get('in-process', conversationId)).toBeUndefined();
  });

  it('cancels the turn when the reader leaves early: the running tool is aborted and nothing is stored', async () => {
    fake.enqueueFor('in-process-chat', toolCallsReply([{ name: 'fixtures__wait', arguments: {} }]));
    let conversationId = '';
    for await (const event of api.continueChatStream({ message: 'wait for it' })) {
      if (event.event === 'conversation') conversationId = event.data.conversation_id;
      if (event.event === 'tool_call_started') break;
    }
    await waitUntil(() => abortedToolCalls === 1, 'the tool call to be aborted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.get('in-process', conversationId)).toBeUndefined();
  });
});
