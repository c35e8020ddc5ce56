// A streamed turn stores exactly what a non-streamed one stores: the same scripted model answers the
// same conversation twice — once through StartConversation/ContinueConversation, once through
// ContinueChatStream — and the two stored conversations are compared byte for byte (ids aside), on
// both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../../core/src/cache/index.js';
import { createChatService, type ChatService, type TurnEvents } from '../../core/src/chat/index.js';
import { createModelClient } from '../../core/src/llm/index.js';
import type { Conversation, ConversationStore } from '../../core/src/storage/index.js';
import type { ToolExecutor } from '../../core/src/tool-calls/index.js';
import { startFakeOpenAI, streamedTextReply, toolCallsReply, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import type { ConversationStoreFactory } from '../support/conversation-store-contract.js';
import { embeddedStoreFactory, mongoStoreFactory } from '../support/conversation-store-factories.js';
import { uniqueName } from '../support/env.js';
import { callerFor, createFixtureTools, noSessions } from './chat-test-support.js';

const CHAT_MODEL = 'parity-chat';
const TITLE_MODEL = 'parity-title';
const FIXED_NOW = new Date('2026-05-01T09:30:00Z');
const clock = { now: () => FIXED_NOW, timeZone: 'Europe/Lisbon' };
const usage = { prompt_tokens: 120, completion_tokens: 12 };

/**
 * The scripted model, decided by the conversation so far (never by request order): a lookup with a
 * bad argument first, its correction, then a streamed answer; a second turn answers in chunks.
 */
function scriptedModel(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Parity Check', usage };
  const toolResults = body.messages.filter((message) => message.role === 'tool').length;
  const userTurns = body.messages.filter((message) => message.role === 'user').length;
  if (userTurns === 1 && toolResults === 0) return toolCallsReply([{ id: 'call_bad', name: 'fixtures__get_time', arguments: { zone: 'X' } }], { usage, content: 'Checking.', chunks: ['Checking.'] });
  if (userTurns === 1 && toolResults === 1) return toolCallsReply([{ id: 'call_good', name: 'fixtures__get_time', arguments: { zone: 'Europe/Lisbon' } }], { usage });
  if (userTurns === 1) return streamedTextReply(['It is ', '12:00 ', 'in Lisbon.'], { usage });
  return streamedTextReply(['  You asked ', `"${String(body.messages.at(-1)?.content)}"`, '.  '], { usage });
}

// Durations are the one thing a real tool cannot repeat exactly; everything else is the fixture's own.
function steadyTools(): ToolExecutor {
  const tools = createFixtureTools([
    {
      name: 'get_time',
      description: 'Current time in a time zone.',
      parameters: { type: 'object', properties: { zone: { type: 'string', minLength: 3 } }, required: ['zone'], additionalProperties: false },
      execute: (args) => `12:00 in ${String(args.zone)}`,
    },
  ]);
  return {
    listModelTools: () => tools.listModelTools(),
    describeTool: (name) => tools.describeTool(name),
    callTool: async (name, rawArguments, options) => ({ ...(await tools.callTool(name, rawArguments, options)), durationMs: 7 }),
  };
}

/** A fresh service each time, so nothing learned in one run (token ratios, cached titles) shapes the other. */
function chatOver(store: ConversationStore, fake: FakeOpenAIServer): ChatService {
  const model = createModelClient({ apiKey: fake.apiKey, baseURL: fake.baseURL, model: CHAT_MODEL, titleModel: TITLE_MODEL, timeoutMs: 5_000, maxAttempts: 1 });
  return createChatService({ store, sessions: noSessions, model, tools: steadyTools(), cache: new MemoryKeyValueStore(), clock });
}

/** The stored conversation as JSON with its ids replaced by their roles, so two runs can be compared exactly. */
function comparable(conversation: Conversation | undefined): string {
  if (!conversation) throw new Error('conversation missing');
  return JSON.stringify({
    ...conversation,
    id: '<conversation>',
    messages: conversation.messages.map((message, index) => ({ ...message, id: `<message ${index}>` })),
  });
}

function describeStreamParity(name: string, makeFactory: () => Promise<ConversationStoreFactory>): void {
  describe(`streamed and non-streamed turns store the same conversation: ${name}`, () => {
    let factory: ConversationStoreFactory;
    let store: ConversationStore;
    let fake: FakeOpenAIServer;

    beforeAll(async () => {
      factory = await makeFactory();
      store = await factory.open(() => FIXED_NOW);
      fake = await startFakeOpenAI();
      fake.respondWith(scriptedModel);
    });
    afterAll(async () => {
      await store?.close();
      await factory?.destroy();
      await fake?.close();
    });

    it('over a tool correction, text before tool calls, a padded reply and a second turn', async () => {
      const tenantId = uniqueName('parity');
      const plain = chatOver(store, fake);
      const started = await plain.startConversation(callerFor(tenantId), { message: 'What time is it in Lisbon?' });
      await plain.continueConversation(callerFor(tenantId), { conversationId: started.conversationId, message: 'thanks' });

      const streaming = chatOver(store, fake);
      const seen: string[] = [];
      const events: TurnEvents = {
        conversation: (event) => void seen.push(`conversation ${String(event.isNew)}`),
        textDelta: (text) => void seen.push(`delta ${text}`),
        toolCallStarted: (call) => void seen.push(`started ${call.id}`),
        toolCallFinished: (call) => void seen.push(`finished ${call.id} ${call.outcome}`),
      };
      const first = await streaming.continueChatStream(callerFor(tenantId), { message: 'What time is it in Lisbon?' }, events);
      const second = await streaming.continueChatStream(callerFor(tenantId), { conversationId: first.conversationId, message: 'thanks' }, events);

      expect(first).toMatchObject({ isNew: true, title: 'Parity Check', reply: started.reply, toolCalls: started.toolCalls });
      expect(second).toMatchObject({ isNew: false, conversationId: first.conversationId });
      expect(seen).toEqual([
        'conversation true',
        'delta Checking.',
        'started call_bad',
        'finished call_bad invalid_input',
        'started call_good',
        'finished call_good ok',
        'delta It is ',
        'delta 12:00 ',
        'delta in Lisbon.',
        'conversation false',
        'delta   You asked ',
        'delta "thanks"',
        'delta .  ',
      ]);

      const unstreamed = comparable(await store.get(tenantId, started.conversationId));
      const streamed = comparable(await store.get(tenantId, first.conversationId));
      expect(streamed).toBe(unstreamed);
      // The comparison covered the whole turn: tool calls with corrections, the trimmed reply, token counts.
      expect(unstreamed).toContain('"outcome":"invalid_input"');
      expect(unstreamed).toContain('"content":"You asked \\"thanks\\"."');
      expect((await store.get(tenantId, first.conversationId))?.messages[1]?.id).toBe(first.messageId);
    });
  });
}

describeStreamParity('MongoDB wire (MONGODB_URL)', () => mongoStoreFactory('parity'));
describeStreamParity('embedded (SQLite file)', () => embeddedStoreFactory('parity'));
