import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import { createModelClient, type ModelClient } from '../llm/index.js';
import { SessionResolver, sessionKey } from '../sessions/index.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createChatService } from './chat-service.js';
import type { ChatServiceOptions } from './chat-service-options.js';
import type { ChatService } from './chat-use-cases.js';
import { callerFor, useTemporaryStore } from './testing/chat-test-parts.js';
import { createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text, type ScriptedModelClient } from './testing/scripted-model-client.js';

const clock = { now: () => new Date(), timeZone: 'UTC' };
const telegram = { platform: 'telegram', userId: '42', chatId: '1001' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));
let sessionValues: MemoryKeyValueStore;
let model: ScriptedModelClient;

beforeEach(() => {
  sessionValues = new MemoryKeyValueStore();
  model = createScriptedModel({ reply: () => text('A reply.'), title: () => text('A Title') });
});

function service(options: Partial<ChatServiceOptions> = {}, client: ModelClient = model): ChatService {
  const sessions = new SessionResolver({ keyValueStore: sessionValues, conversationStore: store, logger: pino({ level: 'silent' }) });
  return createChatService({ store, sessions, model: client, tools: createFixtureTools([]), cache: new MemoryKeyValueStore(), clock, options });
}

const noEvents = {};

describe('createChatService', () => {
  it('rejects empty, blank and oversized messages on every turn before any I/O, even without a model', async () => {
    const chat = service({ maxMessageBytes: 8 }, createModelClient({ timeoutMs: 1_000, maxAttempts: 1 }));
    const turns = [
      (message: string) => chat.startConversation(callerFor(), { message }),
      (message: string) => chat.continueConversation(callerFor(), { message, conversationId: 'not-an-id' }),
      (message: string) => chat.continueChatStream(callerFor(), { message }, noEvents),
    ];
    for (const turn of turns) {
      for (const message of ['', ' \t\n', 'ééééé']) {
        await expect(turn(message)).rejects.toMatchObject({ code: 'HOST_INVALID_ARGUMENT', meta: { argument: 'message' } });
      }
    }
    await expect(turns[0]!('ééééé')).rejects.toMatchObject({ code: 'HOST_INVALID_ARGUMENT', message: 'message is too long: 10 bytes, the limit is 8' });
  });

  it('checks conversation ids and session metadata before the model', async () => {
    const chat = service({}, createModelClient({ timeoutMs: 1_000, maxAttempts: 1 }));
    // A malformed id is not found, as in the old service (its clients forget such an id).
    await expect(chat.continueConversation(callerFor(), { conversationId: 'xyz', message: 'hi' })).rejects.toMatchObject({
      code: 'HOST_CONVERSATION_NOT_FOUND',
      message: 'invalid conversation ID',
    });
    await expect(chat.startConversation(callerFor(), { message: 'hi', session: { platform: 'telegram', userId: '1', chatId: ' ' } })).rejects.toMatchObject({
      meta: { argument: 'session_metadata' },
      message: 'session_metadata is incomplete: chat_id required',
    });
    await expect(chat.continueChatStream(callerFor(), { message: 'hi', session: { platform: 'x'.repeat(257), userId: '1', chatId: '2' } }, noEvents)).rejects.toMatchObject({
      meta: { argument: 'session_metadata' },
    });
    await expect(chat.startConversation(callerFor(), { message: 'hi' })).rejects.toMatchObject({ code: 'HOST_MODEL_NOT_CONFIGURED' });
  });

  it('needs a conversation id or session metadata to continue; the streamed turn opens a new conversation without them', async () => {
    const chat = service();
    await expect(chat.continueConversation(callerFor(), { message: 'hi' })).rejects.toMatchObject({
      code: 'HOST_INVALID_ARGUMENT',
      meta: { argument: 'conversation_id or session_metadata' },
    });
    expect(model.calls).toEqual([]);
    const streamed = await chat.continueChatStream(callerFor(), { message: 'hi' }, noEvents);
    expect(streamed).toMatchObject({ isNew: true, title: 'A Title', reply: 'A reply.' });
    expect(await store.get('default', streamed.conversationId)).toBeDefined();
  });

  it('lets a conversation id win over session metadata and leaves the session alone', async () => {
    const chat = service();
    const { conversationId } = await chat.startConversation(callerFor(), { message: 'plain api chat' });
    const result = await chat.continueConversation(callerFor(), { conversationId, message: 'more', session: telegram });
    expect(result).toEqual({ conversationId, reply: 'A reply.', toolCalls: [], messageId: expect.any(String) });
    expect(await sessionValues.get(sessionKey('default', telegram))).toBeUndefined();
  });

  it('answers StartConversation with exactly its result, and ContinueConversation without isNew or title', async () => {
    const chat = service();
    const started = await chat.startConversation(callerFor(), { message: 'hello', session: telegram });
    expect(Object.keys(started).sort()).toEqual(['conversationId', 'messageId', 'reply', 'title', 'toolCalls']);
    const continued = await chat.continueConversation(callerFor(), { message: 'again', session: telegram });
    expect(continued.conversationId).toBe(started.conversationId);
    expect(Object.keys(continued).sort()).toEqual(['conversationId', 'messageId', 'reply', 'toolCalls']);
  });

  it('lists the caller\'s conversations a page at a time, with default and capped page sizes', async () => {
    const chat = service({ defaultPageSize: 2, maxPageSize: 3 });
    for (const message of ['one', 'two', 'three', 'four']) await chat.startConversation(callerFor('paging'), { message });
    await chat.startConversation(callerFor('someone-else'), { message: 'hidden' });
    expect((await chat.listConversations(callerFor('paging'), {})).conversations).toHaveLength(2);
    expect((await chat.listConversations(callerFor('paging'), { pageSize: 50 })).conversations).toHaveLength(3);
    const firstPage = await chat.listConversations(callerFor('paging'), { pageSize: 3 });
    const rest = await chat.listConversations(callerFor('paging'), { pageSize: 3, pageToken: firstPage.nextPageToken });
    expect([...firstPage.conversations, ...rest.conversations].map((header) => header.tenantId)).toEqual(['paging', 'paging', 'paging', 'paging']);
    expect(rest.nextPageToken).toBeUndefined();
    for (const pageSize of [-1, 1.5, Number.NaN]) {
      await expect(chat.listConversations(callerFor('paging'), { pageSize })).rejects.toMatchObject({ meta: { argument: 'page_size' } });
    }
  });

  it('describes a conversation only to its tenant and checks the id', async () => {
    const chat = service();
    const { conversationId } = await chat.startConversation(callerFor('tenant-a'), { message: 'mine' });
    expect((await chat.describeConversation(callerFor('tenant-a'), { conversationId })).messages).toHaveLength(2);
    await expect(chat.describeConversation(callerFor('tenant-b'), { conversationId })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    await expect(chat.describeConversation(callerFor(), { conversationId: '' })).rejects.toMatchObject({
      message: 'conversation_id is required',
      meta: { argument: 'conversation_id' },
    });
    await expect(chat.describeConversation(callerFor(), { conversationId: 'not-hex' })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
  });
});
