import { describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import { HostError } from '../errors/index.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createChatStepDeps, type ChatStepDeps } from './chat-deps.js';
import type { ChatServiceOptions } from './chat-service-options.js';
import { startTurn } from './start-turn.js';
import { callerFor, noSessions, useTemporaryStore } from './testing/chat-test-parts.js';
import { clockTool, createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text, toolCalls, type ScriptedAnswer, type ScriptedModelClient } from './testing/scripted-model-client.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const clock = { now: () => NOW, timeZone: 'Europe/Madrid' };
const telegram = { platform: 'telegram', userId: '42', chatId: '1001' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));

function stepDeps(model: ScriptedModelClient, options: Partial<ChatServiceOptions> = {}): ChatStepDeps {
  return createChatStepDeps({ store, sessions: noSessions, model, tools: createFixtureTools([clockTool]), cache: new MemoryKeyValueStore(), clock, options });
}

async function storedConversations(tenantId = 'default') {
  return (await store.list(tenantId, { pageSize: 10 })).conversations;
}

describe('startTurn', () => {
  it('stores a new titled conversation holding the message and the reply with its tool calls', async () => {
    const model = createScriptedModel({
      reply: [toolCalls([{ id: 'call_1', name: 'fixtures__get_time', arguments: { zone: 'UTC' } }]), text('It is noon.')],
      title: [text('Time Check')],
    });
    const result = await startTurn(stepDeps(model), callerFor(), 'What time is it?', undefined);
    expect(result).toEqual({
      conversationId: expect.stringMatching(/^[0-9a-f]{24}$/),
      title: 'Time Check',
      reply: 'It is noon.',
      toolCalls: [expect.objectContaining({ id: 'call_1', result: '12:00 in UTC', outcome: 'ok' })],
      messageId: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    const stored = await store.get('default', result.conversationId);
    expect(stored).toMatchObject({ title: 'Time Check', version: 1 });
    expect(stored!.session).toBeUndefined();
    const [user, assistant] = stored!.messages;
    expect(user).toMatchObject({ role: 'user', content: 'What time is it?', createdAt: NOW });
    expect(user!.tokens).toBeGreaterThan(0);
    expect(assistant).toMatchObject({ id: result.messageId, role: 'assistant', content: 'It is noon.', toolCalls: result.toolCalls });
    expect(assistant!.promptVersion).toMatch(/^sp-[0-9a-f]{12}$/);
  });

  it('names the conversation before asking the model, and creates it only when the reply is complete', async () => {
    const model = createScriptedModel({ reply: [text('Hello.')], title: [text('Greeting')] });
    const announced: Array<{ conversationId: string; isNew: boolean; modelCalls: number; stored: boolean }> = [];
    const result = await startTurn(stepDeps(model), callerFor(), 'hi', undefined, {
      conversation: async ({ conversationId, isNew }) => {
        announced.push({ conversationId, isNew, modelCalls: model.calls.length, stored: (await store.get('default', conversationId)) !== undefined });
      },
    });
    expect(announced).toEqual([{ conversationId: result.conversationId, isNew: true, modelCalls: 0, stored: false }]);
  });

  it('generates the title while the reply is being generated', async () => {
    let titleAsked!: () => void;
    const titleRequestSeen = new Promise<void>((resolve) => (titleAsked = resolve));
    // The reply waits for the title request: run one after the other, this turn would never finish.
    const model = createScriptedModel({
      reply: [titleRequestSeen.then(() => text('Reply.'))],
      title: () => (titleAsked(), text('Concurrent Title')),
    });
    const result = await startTurn(stepDeps(model), callerFor(), 'concurrency please', undefined);
    expect(result.title).toBe('Concurrent Title');
    expect(model.calls.map((call) => call.request.purpose)).toEqual(['reply', 'title']);
  });

  it('stores the session with the conversation and prompts with its platform\'s prompt', async () => {
    const model = createScriptedModel({ reply: [text('Short answer.')], title: [text('Telegram Chat')] });
    const deps = stepDeps(model, { prompts: { platforms: { telegram: 'Answer Telegram users tersely.' } } });
    const result = await startTurn(deps, callerFor(), 'hello from telegram', telegram);
    expect(String(model.requests('reply')[0]!.messages[0]!.content).startsWith('Answer Telegram users tersely.')).toBe(true);
    expect((await store.get('default', result.conversationId))!.session).toEqual(telegram);
  });

  it('uses the default platform\'s prompt without a session', async () => {
    const model = createScriptedModel({ reply: [text('Answer.')], title: [text('Api Chat')] });
    const deps = stepDeps(model, { defaultPlatform: 'web', prompts: { platforms: { web: 'You answer web users.' } } });
    await startTurn(deps, callerFor(), 'hello', undefined);
    expect(String(model.requests('reply')[0]!.messages[0]!.content).startsWith('You answer web users.')).toBe(true);
  });

  it('stores nothing when the model fails', async () => {
    const model = createScriptedModel({
      reply: [{ error: new HostError('HOST_MODEL_REJECTED', 'rejected') }],
      title: [text('Unused Title')],
    });
    await expect(startTurn(stepDeps(model), callerFor(), 'fail please', undefined)).rejects.toMatchObject({ code: 'HOST_MODEL_REJECTED' });
    expect(await storedConversations()).toEqual([]);
  });

  it('stores nothing when the caller leaves before the reply is complete', async () => {
    const controller = new AbortController();
    let replyAsked!: () => void;
    const asked = new Promise<void>((resolve) => (replyAsked = resolve));
    const model = createScriptedModel({
      reply: () => (replyAsked(), new Promise<ScriptedAnswer>(() => {})),
      title: [text('Unused Title')],
    });
    const turn = startTurn(stepDeps(model), callerFor('default', 15_000, controller.signal), 'wait for it', undefined);
    await asked;
    controller.abort(new Error('client left'));
    await expect(turn).rejects.toMatchObject({ code: 'HOST_CANCELED' });
    expect(await storedConversations()).toEqual([]);
  });
});
