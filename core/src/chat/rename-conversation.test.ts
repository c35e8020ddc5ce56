import { describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createChatService } from './chat-service.js';
import type { ChatService } from './chat-use-cases.js';
import { callerFor, noSessions, useTemporaryStore } from './testing/chat-test-parts.js';
import { createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text } from './testing/scripted-model-client.js';

const clock = { now: () => new Date(), timeZone: 'UTC' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));

function service(): ChatService {
  const model = createScriptedModel({ reply: () => text('A reply.'), title: () => text('A Title') });
  return createChatService({ store, sessions: noSessions, model, tools: createFixtureTools([]), cache: new MemoryKeyValueStore(), clock });
}

describe('renameConversation', () => {
  it('sets the title with its whitespace collapsed and returns the header, leaving the list order alone', async () => {
    const chat = service();
    const older = await chat.startConversation(callerFor(), { message: 'older' });
    const newer = await chat.startConversation(callerFor(), { message: 'newer' });
    const renamed = await chat.renameConversation(callerFor(), { conversationId: older.conversationId, title: '  Trip \t to\n Lisbon  ' });
    expect(renamed).toMatchObject({ id: older.conversationId, title: 'Trip to Lisbon', tenantId: 'default' });
    expect(renamed).not.toHaveProperty('messages');
    expect((await chat.describeConversation(callerFor(), { conversationId: older.conversationId })).title).toBe('Trip to Lisbon');
    const listed = await chat.listConversations(callerFor(), { pageSize: 10 });
    expect(listed.conversations.map((header) => header.id)).toEqual([newer.conversationId, older.conversationId]);
  });

  it('keeps emoji and scripts whole, and counts characters as people see them', async () => {
    const chat = service();
    const { conversationId } = await chat.startConversation(callerFor(), { message: 'x' });
    const family = '👩‍👩‍👧‍👦';
    const title = `${family.repeat(200)}`;
    expect((await chat.renameConversation(callerFor(), { conversationId, title })).title).toBe(title);
    await expect(chat.renameConversation(callerFor(), { conversationId, title: `${title}${family}` })).rejects.toMatchObject({ meta: { argument: 'title' } });
    expect((await chat.renameConversation(callerFor(), { conversationId, title: 'Été à Zürich — 東京' })).title).toBe('Été à Zürich — 東京');
  });

  it('refuses empty, oversized and hostile titles, changing nothing', async () => {
    const chat = service();
    const { conversationId, title } = await chat.startConversation(callerFor(), { message: 'x' });
    for (const bad of ['', '   \n\t ', 'a'.repeat(201), 'bell\u0007', 'nul\u0000byte', 'escape \u001b[31mred', 'evil\u202Egnp.exe', 'isolate\u2066x\u2069']) {
      await expect(chat.renameConversation(callerFor(), { conversationId, title: bad })).rejects.toMatchObject({
        code: 'HOST_INVALID_ARGUMENT',
        meta: { argument: 'title' },
      });
    }
    // Markup is only text: stored as typed, shown as text by every client.
    expect((await chat.renameConversation(callerFor(), { conversationId, title: '<img src=x onerror=alert(1)>' })).title).toBe('<img src=x onerror=alert(1)>');
    await chat.renameConversation(callerFor(), { conversationId, title });
  });

  it("answers not_found for another tenant's or an unknown conversation, and checks the id first", async () => {
    const chat = service();
    const { conversationId } = await chat.startConversation(callerFor('owner'), { message: 'x' });
    await expect(chat.renameConversation(callerFor('intruder'), { conversationId, title: 'pwned' })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    await expect(chat.renameConversation(callerFor('owner'), { conversationId: 'e'.repeat(24), title: 'x' })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    await expect(chat.renameConversation(callerFor('owner'), { conversationId: '', title: 'x' })).rejects.toMatchObject({ meta: { argument: 'conversation_id' } });
    await expect(chat.renameConversation(callerFor('owner'), { conversationId: 'not-an-object-id', title: 'x' })).rejects.toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    expect((await store.get('owner', conversationId))?.title).toBe('A Title');
  });
});
