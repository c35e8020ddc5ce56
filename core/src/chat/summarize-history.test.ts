import { describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import { HostError } from '../errors/index.js';
import type { Conversation, EmbeddedConversationStore, StoredMessage } from '../storage/index.js';
import type { IndexedMessage } from './build-model-context.js';
import { createChatStepDeps, type ChatStepDeps } from './chat-deps.js';
import { MAX_SUMMARY_INPUT_CHARACTERS, summarizeHistory, summaryInput } from './summarize-history.js';
import { SUMMARY_PROMPT } from './system-prompts.js';
import { callerFor, noSessions, recordingCaller, useTemporaryStore } from './testing/chat-test-parts.js';
import { createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text, type ScriptedAnswers } from './testing/scripted-model-client.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const clock = { now: () => NOW, timeZone: 'UTC' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));

function stepDeps(summary: ScriptedAnswers): ChatStepDeps & { model: ReturnType<typeof createScriptedModel> } {
  const model = createScriptedModel({ summary });
  return { ...createChatStepDeps({ store, sessions: noSessions, model, tools: createFixtureTools([]), cache: new MemoryKeyValueStore(), clock }), model };
}

/** A stored conversation of two turns (the first with a tool call); all of it counts as dropped. */
async function droppedConversation(): Promise<{ conversation: Conversation; dropped: IndexedMessage[] }> {
  const created = await store.create({
    tenantId: 'default',
    title: 'Weather',
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        content: 'Rainy, 8 °C.',
        toolCalls: [{ id: 'call_1', name: 'weather__current', arguments: '{"city":"Oslo"}', result: 'rain, 8C', outcome: 'ok', durationMs: 5 }],
      },
      { role: 'user', content: 'And tomorrow?' },
      { role: 'assistant', content: 'Sunny.' },
    ],
  });
  const conversation = (await store.get('default', created.id))!;
  return { conversation, dropped: conversation.messages.map((message, index) => ({ index, message })) };
}

describe('summarizeHistory', () => {
  it('summarizes the dropped turns with their tool calls and stores the summary with the conversation', async () => {
    const deps = stepDeps([text('  The user asked about Oslo weather.  ')]);
    const { conversation, dropped } = await droppedConversation();
    const summary = await summarizeHistory(deps, callerFor(), conversation, dropped);
    expect(summary).toEqual({ content: 'The user asked about Oslo weather.', coversThroughIndex: 3, createdAt: NOW });
    expect((await store.get('default', conversation.id))!.summary).toEqual(summary);
    const [request] = deps.model.requests('summary');
    expect(request!.messages).toEqual([
      { role: 'system', content: SUMMARY_PROMPT },
      {
        role: 'user',
        content: [
          'Conversation to summarize:',
          'User: Weather in Oslo?',
          'Assistant: Rainy, 8 °C.',
          '  [tool weather__current({"city":"Oslo"}) → rain, 8C]',
          'User: And tomorrow?',
          'Assistant: Sunny.',
        ].join('\n'),
      },
    ]);
  });

  it('folds the summary so far into the new one', () => {
    const message: StoredMessage = { id: 'm', role: 'user', content: 'Later question', createdAt: NOW };
    const input = summaryInput({ summary: { content: 'Earlier: Oslo weather.', coversThroughIndex: 3, createdAt: NOW } }, [{ index: 4, message }]);
    expect(input).toBe('Summary so far:\nEarlier: Oslo weather.\n\nConversation to summarize:\nUser: Later question');
  });

  it('keeps the newest part of a transcript too long for one summary call', () => {
    const old: StoredMessage = { id: 'a', role: 'user', content: 'x'.repeat(MAX_SUMMARY_INPUT_CHARACTERS), createdAt: NOW };
    const newest: StoredMessage = { id: 'b', role: 'assistant', content: 'the newest answer', createdAt: NOW };
    const input = summaryInput({}, [{ index: 0, message: old }, { index: 1, message: newest }]);
    expect(input).toHaveLength(MAX_SUMMARY_INPUT_CHARACTERS);
    expect(input.endsWith('Assistant: the newest answer')).toBe(true);
  });

  it('stores nothing when the model gives an empty summary', async () => {
    const deps = stepDeps([text('   ')]);
    const { conversation, dropped } = await droppedConversation();
    expect(await summarizeHistory(deps, callerFor(), conversation, dropped)).toBeUndefined();
    expect((await store.get('default', conversation.id))!.summary).toBeUndefined();
  });

  it('goes on without a summary when the summary call fails', async () => {
    const deps = stepDeps([{ error: new HostError('HOST_MODEL_UNAVAILABLE', 'down') }]);
    const { conversation, dropped } = await droppedConversation();
    const { caller, lines } = recordingCaller();
    expect(await summarizeHistory(deps, caller, conversation, dropped)).toBeUndefined();
    expect(lines.map((line) => line.msg)).toEqual(['summarization failed; continuing with trimmed history']);
  });

  it('ends the turn when the summary call runs out of time or the caller leaves', async () => {
    const { conversation, dropped } = await droppedConversation();
    for (const code of ['HOST_DEADLINE_EXCEEDED', 'HOST_CANCELED'] as const) {
      const deps = stepDeps([{ error: new HostError(code, 'stopped') }]);
      await expect(summarizeHistory(deps, callerFor(), conversation, dropped)).rejects.toMatchObject({ code });
    }
  });

  it('has nothing to summarize when nothing was dropped', async () => {
    const deps = stepDeps([]);
    const { conversation } = await droppedConversation();
    expect(await summarizeHistory(deps, callerFor(), conversation, [])).toBeUndefined();
    expect(deps.model.calls).toEqual([]);
  });
});
