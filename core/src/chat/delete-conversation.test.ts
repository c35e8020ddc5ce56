import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore, type KeyValueStore } from '../cache/index.js';
import { SessionResolver, sessionKey } from '../sessions/index.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createChatService } from './chat-service.js';
import type { ChatService } from './chat-use-cases.js';
import { callerFor, recordingCaller, useTemporaryStore } from './testing/chat-test-parts.js';
import { createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text } from './testing/scripted-model-client.js';
import { titleCacheKey } from './title-generator.js';

const clock = { now: () => new Date(), timeZone: 'UTC' };
const telegram = { platform: 'telegram', userId: '42', chatId: '1001' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));
let sessionValues: MemoryKeyValueStore;
let titles: MemoryKeyValueStore;

beforeEach(() => {
  sessionValues = new MemoryKeyValueStore();
  titles = new MemoryKeyValueStore();
});

function service(titleCache: KeyValueStore = titles): ChatService {
  const sessions = new SessionResolver({ keyValueStore: sessionValues, conversationStore: store, logger: pino({ level: 'silent' }) });
  const model = createScriptedModel({ reply: () => text('A reply.'), title: () => text('A Title') });
  return createChatService({ store, sessions, model, tools: createFixtureTools([]), cache: titleCache, clock });
}

async function boundTo(tenantId = 'default'): Promise<unknown> {
  const raw = await sessionValues.get(sessionKey(tenantId, telegram));
  return raw === undefined ? undefined : (JSON.parse(raw) as { conversation_id: unknown }).conversation_id;
}

describe('deleteConversation', () => {
  it('removes the conversation, tombstones the session bound to it and clears its cached title', async () => {
    const chat = service();
    const { conversationId } = await chat.startConversation(callerFor(), { message: 'secret opener', session: telegram });
    expect(await boundTo()).toBe(conversationId);
    expect(await titles.get(titleCacheKey('secret opener'))).toBe('A Title');

    await chat.deleteConversation(callerFor(), { conversationId });
    await expect(chat.describeConversation(callerFor(), { conversationId })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    expect(await titles.get(titleCacheKey('secret opener'))).toBeUndefined();
    // A tombstone, not a missing key: the store recovery cannot bring back an older conversation of the session.
    expect(await boundTo()).toBeNull();
    const next = await chat.continueConversation(callerFor(), { message: 'hello again', session: telegram });
    expect(next.conversationId).not.toBe(conversationId);
    expect(await boundTo()).toBe(next.conversationId);
  });

  it('leaves a session that was bound to another conversation meanwhile alone', async () => {
    const chat = service();
    const first = await chat.startConversation(callerFor(), { message: 'first', session: telegram });
    const second = await chat.startConversation(callerFor(), { message: 'second', session: telegram });
    await chat.deleteConversation(callerFor(), { conversationId: first.conversationId });
    expect(await boundTo()).toBe(second.conversationId);
  });

  it('answers not_found for a repeated delete, an unknown id and another tenant’s conversation, deleting nothing', async () => {
    const chat = service();
    const { conversationId } = await chat.startConversation(callerFor('owner'), { message: 'mine' });
    await expect(chat.deleteConversation(callerFor('intruder'), { conversationId })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    expect(await store.get('owner', conversationId)).toBeDefined();
    await expect(chat.deleteConversation(callerFor('owner'), { conversationId: 'f'.repeat(24) })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    await chat.deleteConversation(callerFor('owner'), { conversationId });
    await expect(chat.deleteConversation(callerFor('owner'), { conversationId })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
  });

  it('checks the id like DescribeConversation: required; anything but 24 hex characters is not found', async () => {
    const chat = service();
    await expect(chat.deleteConversation(callerFor(), { conversationId: '' })).rejects.toMatchObject({
      code: 'HOST_INVALID_ARGUMENT',
      meta: { argument: 'conversation_id' },
    });
    for (const conversationId of ['not-an-object-id', '{"$ne":null}', 'x'.repeat(10_000), '0'.repeat(23)]) {
      await expect(chat.deleteConversation(callerFor(), { conversationId })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    }
  });

  it('still deletes when Redis is down, logging what it could not clear', async () => {
    const failing: KeyValueStore = {
      kind: 'redis',
      get: () => Promise.reject(new Error('redis down')),
      set: () => Promise.reject(new Error('redis down')),
      delete: () => Promise.reject(new Error('redis down')),
      expire: () => Promise.reject(new Error('redis down')),
      ping: () => Promise.reject(new Error('redis down')),
      close: async () => undefined,
    };
    const created = await store.create({ tenantId: 'default', title: 't', messages: [{ role: 'user', content: 'opener' }] });
    const { caller, lines } = recordingCaller();
    await service(failing).deleteConversation(caller, { conversationId: created.id });
    expect(await store.get('default', created.id)).toBeUndefined();
    expect(lines.map((line) => line.msg)).toContain('could not clear the cached title of a deleted conversation');
  });
});
