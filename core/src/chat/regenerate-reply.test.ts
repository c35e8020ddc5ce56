import { describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import { HostError } from '../errors/index.js';
import { createModelClient, type ModelClient } from '../llm/index.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createChatService } from './chat-service.js';
import type { ChatService } from './chat-use-cases.js';
import { callerFor, noSessions, useTemporaryStore } from './testing/chat-test-parts.js';
import { clockTool, createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text, toolCalls, type ScriptedAnswers } from './testing/scripted-model-client.js';
import type { ToolCallStart } from './turn-events.js';

const clock = { now: () => new Date(), timeZone: 'UTC' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));

function service(reply: ScriptedAnswers, client?: ModelClient): { chat: ChatService; model: ReturnType<typeof createScriptedModel> } {
  const model = createScriptedModel({ reply, title: () => text('A Title') });
  const chat = createChatService({ store, sessions: noSessions, model: client ?? model, tools: createFixtureTools([clockTool]), cache: new MemoryKeyValueStore(), clock });
  return { chat, model };
}

/** A conversation of two turns whose second reply is to be regenerated. */
async function twoTurns(chat: ChatService, tenantId = 'default') {
  const { conversationId } = await chat.startConversation(callerFor(tenantId), { message: 'first question' });
  const second = await chat.continueConversation(callerFor(tenantId), { conversationId, message: 'second question' });
  return { conversationId, replyId: second.messageId };
}

describe('regenerateReply', () => {
  it('answers the last user message again from the history before it, and replaces the reply in place', async () => {
    let answers = 0;
    const { chat, model } = service(() => text(`answer ${(answers += 1)}`, { usage: { promptTokens: 100 + answers, completionTokens: answers } }));
    const { conversationId, replyId } = await twoTurns(chat);

    const result = await chat.regenerateReply(callerFor(), { conversationId, messageId: replyId });
    expect(result).toMatchObject({ conversationId, reply: 'answer 3', toolCalls: [], usage: { promptTokens: 103, completionTokens: 3 } });
    expect(result.messageId).not.toBe(replyId);

    // The model saw the first turn, then the second question, and not the reply being replaced.
    const sent = model.requests('reply').at(-1)!.messages.filter((message) => message.role !== 'system');
    expect(sent.map((message) => message.content)).toEqual(['first question', 'answer 1', 'second question']);

    const stored = (await store.get('default', conversationId))!;
    expect(stored.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'first question'],
      ['assistant', 'answer 1'],
      ['user', 'second question'],
      ['assistant', 'answer 3'],
    ]);
    expect(stored.messages[3]).toMatchObject({ id: result.messageId, usage: { promptTokens: 103, completionTokens: 3 } });
  });

  it('runs the tools again and reports the turn through events, like any streamed turn', async () => {
    let calls = 0;
    const { chat } = service((request) => {
      calls += 1;
      return request.messages.at(-1)?.role === 'tool' ? text('It is noon.') : calls === 1 ? text('No idea.') : toolCalls([{ name: 'fixtures__get_time', arguments: { zone: 'Europe/Madrid' } }]);
    });
    const { conversationId, messageId } = await chat.startConversation(callerFor(), { message: 'what time is it?' });
    const seen: string[] = [];
    const started: ToolCallStart[] = [];
    const result = await chat.continueChatStream(
      callerFor(),
      { conversationId, message: '', regenerateMessageId: messageId },
      {
        conversation: async (event) => void seen.push(`conversation ${event.isNew}`),
        textDelta: async (delta) => void seen.push(`delta ${delta}`),
        toolCallStarted: async (call) => void started.push(call),
        toolCallFinished: async (call) => void seen.push(`finished ${call.name} ${call.outcome}`),
      },
    );
    expect(result).toMatchObject({ isNew: false, conversationId, reply: 'It is noon.' });
    expect(seen).toEqual(['conversation false', 'finished fixtures__get_time ok', 'delta It is noon.']);
    expect(started.map((call) => call.name)).toEqual(['fixtures__get_time']);
    const stored = (await store.get('default', conversationId))!;
    expect(stored.messages).toHaveLength(2);
    expect(stored.messages[1]?.toolCalls?.map((call) => call.name)).toEqual(['fixtures__get_time']);
  });

  it('refuses anything but the last reply: an earlier reply, a user message, a reply a newer turn followed', async () => {
    const { chat } = service(() => text('again'));
    const { conversationId, messageId: firstReply } = await chat.startConversation(callerFor(), { message: 'q1' });
    const second = await chat.continueConversation(callerFor(), { conversationId, message: 'q2' });
    const userMessage = (await store.get('default', conversationId))!.messages[2]!.id;
    for (const messageId of [firstReply, userMessage, 'f'.repeat(24)]) {
      await expect(chat.regenerateReply(callerFor(), { conversationId, messageId })).rejects.toMatchObject({
        code: 'HOST_CONVERSATION_CONFLICT',
        meta: { argument: 'message_id' },
      });
    }
    const regenerated = await chat.regenerateReply(callerFor(), { conversationId, messageId: second.messageId });
    // The replaced reply's id is gone: regenerating it again is a conflict, not a second replacement.
    await expect(chat.regenerateReply(callerFor(), { conversationId, messageId: second.messageId })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_CONFLICT' });
    await chat.regenerateReply(callerFor(), { conversationId, messageId: regenerated.messageId });
  });

  it('changes nothing when the new reply fails', async () => {
    let answers = 0;
    const { chat } = service(() => ((answers += 1) <= 2 ? text(`answer ${answers}`) : { error: new HostError('HOST_MODEL_UNAVAILABLE', 'model down') }));
    const { conversationId, replyId } = await twoTurns(chat);
    const before = await store.get('default', conversationId);
    await expect(chat.regenerateReply(callerFor(), { conversationId, messageId: replyId })).rejects.toMatchObject({ code: 'HOST_MODEL_UNAVAILABLE' });
    expect(await store.get('default', conversationId)).toEqual(before);
  });

  it("checks its input before the model and answers another tenant's conversation as not found", async () => {
    const { chat } = service(() => text('x'));
    const { conversationId, replyId } = await twoTurns(chat, 'owner');
    await expect(chat.regenerateReply(callerFor('intruder'), { conversationId, messageId: replyId })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    await expect(chat.regenerateReply(callerFor('owner'), { conversationId: 'nope', messageId: replyId })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    for (const [input, argument] of [
      [{ conversationId: '', messageId: replyId }, 'conversation_id'],
      [{ conversationId, messageId: '' }, 'message_id'],
      [{ conversationId, messageId: '{"$gt":""}' }, 'message_id'],
    ] as const) {
      await expect(chat.regenerateReply(callerFor('owner'), input)).rejects.toMatchObject({ code: 'HOST_INVALID_ARGUMENT', meta: { argument } });
    }
    const unconfigured = service(() => text('x'), createModelClient({ timeoutMs: 1_000, maxAttempts: 1 })).chat;
    await expect(unconfigured.regenerateReply(callerFor('owner'), { conversationId, messageId: replyId })).rejects.toMatchObject({ code: 'HOST_MODEL_NOT_CONFIGURED' });
    // The streamed form: a message next to regenerate_message_id is a mistake, not a second question.
    await expect(chat.continueChatStream(callerFor('owner'), { conversationId, message: 'new question', regenerateMessageId: replyId }, {})).rejects.toMatchObject({
      meta: { argument: 'message' },
    });
  });
});
