import { once } from 'node:events';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisKeyValueStore } from '../../core/src/cache/index.js';
import { createChatService, type ChatService } from '../../core/src/chat/index.js';
import { createModelClient } from '../../core/src/llm/index.js';
import { SessionResolver, sessionKey } from '../../core/src/sessions/index.js';
import type { EmbeddedConversationStore } from '../../core/src/storage/index.js';
import { startFakeOpenAI, textReply, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { requireRedisUrl, uniqueName } from '../support/env.js';
import { callerFor, createFixtureTools, createTemporaryStore } from './chat-test-support.js';

const CHAT_MODEL = 'fake-chat';
const TITLE_MODEL = 'fake-title';
const telegram = { platform: 'telegram', userId: '42', chatId: '1001' };

let fake: FakeOpenAIServer;
let redis: RedisKeyValueStore;
let keyPrefix: string;
let store: EmbeddedConversationStore;
let cleanupStore: () => Promise<void>;
let chat: ChatService;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  keyPrefix = `${uniqueName('chat_sessions')}:`;
  redis = new RedisKeyValueStore({ url: requireRedisUrl(), keyPrefix });
  // Without an offline queue, commands sent before the connection is ready fail (and sessions fall
  // back to the store): the bindings these tests look at would then be missing.
  if (redis.client.status !== 'ready') await once(redis.client, 'ready');
});
afterAll(async () => {
  const keys = await redis.client.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.client.del(...keys.map((key) => key.slice(keyPrefix.length)));
  await redis.close();
  await fake.close();
});
beforeEach(async () => {
  fake.reset();
  let replies = 0;
  fake.respondWith((body) => {
    if (body.model === TITLE_MODEL) return textReply('Telegram Chat About Things');
    replies += 1;
    return textReply(`reply ${replies}`);
  });
  ({ store, cleanup: cleanupStore } = await createTemporaryStore());
  const logger = pino({ level: 'silent' });
  chat = createChatService({
    store,
    sessions: new SessionResolver({ keyValueStore: redis, conversationStore: store, logger }),
    model: createModelClient({ apiKey: fake.apiKey, baseURL: fake.baseURL, model: CHAT_MODEL, titleModel: TITLE_MODEL, timeoutMs: 5_000, maxAttempts: 1 }),
    tools: createFixtureTools([]),
    cache: redis,
    clock: { now: () => new Date(), timeZone: 'UTC' },
    options: { prompts: { platforms: { telegram: 'You answer Telegram users tersely.' } } },
  });
});
afterEach(async () => {
  await redis.delete(sessionKey('default', telegram));
  await cleanupStore();
});

describe('session-based conversations', () => {
  it('continues one titled conversation per session without duplicating the first message', async () => {
    const first = await chat.continueConversation(callerFor(), { message: 'hello from telegram', session: telegram });
    const second = await chat.continueConversation(callerFor(), { message: 'second message', session: telegram });
    expect(second.conversationId).toBe(first.conversationId);

    const conversation = await chat.describeConversation(callerFor(), { conversationId: first.conversationId });
    expect(conversation.title).toBe('Telegram Chat About Things');
    expect(conversation.messages.map((message) => message.content)).toEqual(['hello from telegram', 'reply 1', 'second message', 'reply 2']);
    expect(conversation.session).toEqual(telegram);

    const bodies = fake.completionBodies(CHAT_MODEL);
    expect(bodies[1]!.messages.slice(1)).toEqual([
      { role: 'user', content: 'hello from telegram' },
      { role: 'assistant', content: 'reply 1' },
      { role: 'user', content: 'second message' },
    ]);
    // The platform's operator prompt is used for session conversations.
    expect(String(bodies[0]!.messages[0]!.content).startsWith('You answer Telegram users tersely.')).toBe(true);

    const ttl = await redis.client.ttl(sessionKey('default', telegram));
    expect(ttl).toBeGreaterThan(0);
  });

  it('starts a fresh conversation on StartConversation with session metadata and binds it', async () => {
    const old = await chat.continueConversation(callerFor(), { message: 'old chat', session: telegram });
    const fresh = await chat.startConversation(callerFor(), { message: 'new chat please', session: telegram });
    expect(fresh.conversationId).not.toBe(old.conversationId);
    const next = await chat.continueConversation(callerFor(), { message: 'follow-up', session: telegram });
    expect(next.conversationId).toBe(fresh.conversationId);
  });

  it('recovers the conversation from the store when the Redis binding is gone', async () => {
    const first = await chat.continueConversation(callerFor(), { message: 'remember me', session: telegram });
    await redis.delete(sessionKey('default', telegram));
    const again = await chat.continueConversation(callerFor(), { message: 'still there?', session: telegram });
    expect(again.conversationId).toBe(first.conversationId);
  });

  it('opens one conversation when two first messages of a session arrive together', async () => {
    const [left, right] = await Promise.all([
      chat.continueConversation(callerFor(), { message: 'first A', session: telegram }),
      chat.continueConversation(callerFor(), { message: 'first B', session: telegram }),
    ]);
    expect(left.conversationId).toBe(right.conversationId);
    const conversation = await chat.describeConversation(callerFor(), { conversationId: left.conversationId });
    expect(conversation.messages).toHaveLength(4);
    expect(fake.completionBodies(TITLE_MODEL)).toHaveLength(1);
  });

  it('lets conversation_id win over session metadata and leaves the session untouched', async () => {
    const { conversationId } = await chat.startConversation(callerFor(), { message: 'plain api chat' });
    const result = await chat.continueConversation(callerFor(), { conversationId, message: 'more', session: telegram });
    expect(result.conversationId).toBe(conversationId);
    expect(await redis.get(sessionKey('default', telegram))).toBeUndefined();
  });

  it('keeps sessions of different tenants apart', async () => {
    const mine = await chat.continueConversation(callerFor('tenant-one'), { message: 'hi', session: telegram });
    const theirs = await chat.continueConversation(callerFor('tenant-two'), { message: 'hi', session: telegram });
    expect(theirs.conversationId).not.toBe(mine.conversationId);
    await redis.delete(sessionKey('tenant-one', telegram));
    await redis.delete(sessionKey('tenant-two', telegram));
  });
});
