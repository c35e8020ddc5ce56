import { describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import type { Conversation, EmbeddedConversationStore } from '../storage/index.js';
import { createChatStepDeps, type ChatStepDeps } from './chat-deps.js';
import type { ChatServiceOptions } from './chat-service-options.js';
import { continueTurn } from './continue-turn.js';
import { callerFor, noSessions, useTemporaryStore } from './testing/chat-test-parts.js';
import { createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text, type ScriptedAnswer, type ScriptedModelClient } from './testing/scripted-model-client.js';

const clock = { now: () => new Date('2026-03-01T12:00:00Z'), timeZone: 'UTC' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));

function stepDeps(model: ScriptedModelClient, options: Partial<ChatServiceOptions> = {}): ChatStepDeps {
  return createChatStepDeps({ store, sessions: noSessions, model, tools: createFixtureTools([]), cache: new MemoryKeyValueStore(), clock, options });
}

/** A stored conversation with one finished turn, loaded as a turn loads it. */
async function conversationWithOneTurn(tenantId = 'default', session?: Conversation['session']): Promise<Conversation> {
  const created = await store.create({
    tenantId,
    title: 'Earlier Chat',
    ...(session ? { session } : {}),
    messages: [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'answer one' },
    ],
  });
  return (await store.get(tenantId, created.id, { recentMessages: 100 }))!;
}

describe('continueTurn', () => {
  it('replies from the stored history and appends the turn', async () => {
    const conversation = await conversationWithOneTurn();
    const model = createScriptedModel({ reply: [text('answer two')] });
    const result = await continueTurn(stepDeps(model), callerFor(), conversation, 'two');
    expect(result).toEqual({ conversationId: conversation.id, reply: 'answer two', toolCalls: [], messageId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(model.requests('reply')[0]!.messages.slice(1)).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: 'two' },
    ]);
    const stored = await store.get('default', conversation.id);
    expect(stored!.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'one'],
      ['assistant', 'answer one'],
      ['user', 'two'],
      ['assistant', 'answer two'],
    ]);
    expect(stored!.messages[3]!.id).toBe(result.messageId);
    expect(stored!.title).toBe('Earlier Chat');
    expect(model.requests('title')).toEqual([]);
  });

  it('announces the existing conversation before asking the model', async () => {
    const conversation = await conversationWithOneTurn();
    const model = createScriptedModel({ reply: [text('answer two')] });
    const announced: unknown[] = [];
    await continueTurn(stepDeps(model), callerFor(), conversation, 'two', {
      conversation: (event) => void announced.push({ ...event, modelCalls: model.calls.length }),
    });
    expect(announced).toEqual([{ conversationId: conversation.id, isNew: false, modelCalls: 0 }]);
  });

  it('prompts with the platform of the session the conversation was opened with', async () => {
    const conversation = await conversationWithOneTurn('default', { platform: 'telegram', userId: '1', chatId: '2' });
    const model = createScriptedModel({ reply: [text('ok')] });
    await continueTurn(stepDeps(model, { prompts: { platforms: { telegram: 'Telegram prompt.' } } }), callerFor(), conversation, 'two');
    expect(String(model.requests('reply')[0]!.messages[0]!.content).startsWith('Telegram prompt.')).toBe(true);
  });

  it('appends nothing when the caller leaves during the turn', async () => {
    const conversation = await conversationWithOneTurn();
    const controller = new AbortController();
    const model = createScriptedModel({
      reply: () => {
        controller.abort(new Error('client left'));
        return new Promise<ScriptedAnswer>(() => {});
      },
    });
    await expect(continueTurn(stepDeps(model), callerFor('default', 15_000, controller.signal), conversation, 'two')).rejects.toMatchObject({
      code: 'HOST_CANCELED',
    });
    expect((await store.get('default', conversation.id))!.messages).toHaveLength(2);
  });

  it('answers not found, and stores nothing, for a conversation of another tenant', async () => {
    const theirs = await conversationWithOneTurn('tenant-a');
    const model = createScriptedModel({ reply: [text('should not be stored')] });
    await expect(continueTurn(stepDeps(model), callerFor('tenant-b'), theirs, 'mine now?')).rejects.toMatchObject({
      code: 'HOST_CONVERSATION_NOT_FOUND',
    });
    expect((await store.get('tenant-a', theirs.id))!.messages).toHaveLength(2);
  });
});
