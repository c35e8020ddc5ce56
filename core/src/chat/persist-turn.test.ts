import { describe, expect, it } from 'vitest';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createObjectIdHex } from '../storage/object-id.js';
import type { GeneratedReply } from './generate-reply.js';
import { appendTurn, persistNewConversation, type AnsweredTurn } from './persist-turn.js';
import { callerFor, useTemporaryStore } from './testing/chat-test-parts.js';
import { createScriptedModel } from './testing/scripted-model-client.js';

const STARTED = new Date('2026-03-01T12:00:00Z');
const ANSWERED = new Date('2026-03-01T12:00:05Z');
const model = createScriptedModel({});
const clock = { now: () => ANSWERED, timeZone: 'UTC' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));

function answered(reply: Partial<GeneratedReply['loop']> = {}): AnsweredTurn {
  return {
    message: 'Question?',
    startedAt: STARTED,
    reply: {
      loop: { reply: 'Answer.', toolCalls: [], usage: { promptTokens: 0, completionTokens: 0 }, modelCalls: 1, hitStepLimit: false, ...reply },
      promptVersion: 'sp-000000000000',
      userMessageTokens: 3,
    },
  };
}

describe('persistNewConversation and appendTurn', () => {
  it('store the user message and the reply, under the reply id they report', async () => {
    const deps = { store, model, clock };
    const id = createObjectIdHex(STARTED);
    const created = await persistNewConversation(deps, callerFor(), { id, title: 'Title' }, answered());
    expect(created.conversationId).toBe(id);
    const toolCall = { id: 'call_1', name: 'fixtures__get_time', arguments: '{}', result: 'noon', outcome: 'ok', durationMs: 3 };
    const appended = await appendTurn(deps, callerFor(), id, answered({ toolCalls: [toolCall] }));
    const stored = (await store.get('default', id))!;
    expect([stored.messages[1]!.id, stored.messages[3]!.id]).toEqual([created.messageId, appended.messageId]);
    expect(stored.messages[0]).toMatchObject({ role: 'user', content: 'Question?', createdAt: STARTED, tokens: 3 });
    expect(stored.messages[1]).toMatchObject({ role: 'assistant', content: 'Answer.', createdAt: ANSWERED, promptVersion: 'sp-000000000000' });
    expect(stored.messages[1]!.toolCalls).toBeUndefined();
    expect(stored.messages[3]!.toolCalls).toEqual([toolCall]);
  });

  it('store nothing once the caller has left or the deadline has passed', async () => {
    const deps = { store, model, clock };
    const left = new AbortController();
    left.abort(new Error('client left'));
    await expect(persistNewConversation(deps, callerFor('default', 15_000, left.signal), { id: createObjectIdHex(), title: 'T' }, answered())).rejects.toMatchObject({
      code: 'HOST_CANCELED',
    });
    await expect(persistNewConversation(deps, callerFor('default', -1), { id: createObjectIdHex(), title: 'T' }, answered())).rejects.toMatchObject({
      code: 'HOST_DEADLINE_EXCEEDED',
    });
    expect((await store.list('default', { pageSize: 10 })).conversations).toEqual([]);
  });

  it('answer not found when appending to a conversation the tenant does not have', async () => {
    const deps = { store, model, clock };
    const id = createObjectIdHex();
    await persistNewConversation(deps, callerFor('tenant-a'), { id, title: 'Theirs' }, answered());
    await expect(appendTurn(deps, callerFor('tenant-b'), id, answered())).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    expect((await store.get('tenant-a', id))!.messages).toHaveLength(2);
  });
});
