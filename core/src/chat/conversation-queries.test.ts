import { describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createChatService } from './chat-service.js';
import type { ChatServiceOptions } from './chat-service-options.js';
import type { ChatService } from './chat-use-cases.js';
import { callerFor, noSessions, useTemporaryStore } from './testing/chat-test-parts.js';
import { createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text } from './testing/scripted-model-client.js';

const clock = { now: () => new Date(), timeZone: 'UTC' };
// Every store write a second after the last: the order tests are about which write came later, and two
// writes in the same millisecond of a real clock would tie (and fall back to id order).
let storeSeconds = Date.UTC(2026, 0, 1);
const steppingClock = (): Date => new Date((storeSeconds += 1_000));
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created), steppingClock);

function service(options: Partial<ChatServiceOptions> = {}): ChatService {
  const model = createScriptedModel({ reply: () => text('A reply.'), title: (request) => text(`About ${String(request.messages.at(-1)?.content)}`) });
  return createChatService({ store, sessions: noSessions, model, tools: createFixtureTools([]), cache: new MemoryKeyValueStore(), clock, options });
}

/** Conversations created in this order, the first one touched last. */
async function history(chat: ChatService, tenantId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) ids.push((await chat.startConversation(callerFor(tenantId), { message: `topic ${index}` })).conversationId);
  await chat.continueConversation(callerFor(tenantId), { conversationId: ids[0]!, message: 'the oldest, touched again' });
  return ids;
}

describe('listConversations', () => {
  it('answers an empty request like the old service: every conversation, newest created first', async () => {
    const chat = service({ defaultPageSize: 2 });
    const ids = await history(chat, 'old-client', 5);
    const all = await chat.listConversations(callerFor('old-client'), {});
    expect(all.conversations.map((header) => header.id)).toEqual([...ids].reverse());
    expect(all.nextPageToken).toBeUndefined();
    // What a Go client with EmitUnpopulated sends is the same request.
    expect((await chat.listConversations(callerFor('old-client'), { pageSize: 0, pageToken: '', query: '' })).conversations).toHaveLength(5);
  });

  it('caps the unpaged listing, and its token goes on in creation order', async () => {
    const chat = service({ listAllLimit: 3 });
    const ids = await history(chat, 'capped', 5);
    const first = await chat.listConversations(callerFor('capped'), {});
    expect(first.conversations.map((header) => header.id)).toEqual([ids[4], ids[3], ids[2]]);
    const rest = await chat.listConversations(callerFor('capped'), { pageToken: first.nextPageToken });
    expect(rest.conversations.map((header) => header.id)).toEqual([ids[1], ids[0]]);
    expect(rest.nextPageToken).toBeUndefined();
  });

  it('pages newest updated first as soon as a page size or a token is given', async () => {
    const chat = service({ defaultPageSize: 2 });
    const ids = await history(chat, 'pager', 3);
    const page = await chat.listConversations(callerFor('pager'), { pageSize: 2 });
    expect(page.conversations.map((header) => header.id)).toEqual([ids[0], ids[2]]);
    const next = await chat.listConversations(callerFor('pager'), { pageToken: page.nextPageToken });
    expect(next.conversations.map((header) => header.id)).toEqual([ids[1]]);
  });

  it('searches titles and message text with a query, paged at the default size', async () => {
    const chat = service({ defaultPageSize: 1 });
    const { conversationId: kiwi } = await chat.startConversation(callerFor('search'), { message: 'kiwi season' });
    const { conversationId: other } = await chat.startConversation(callerFor('search'), { message: 'plums' });
    await chat.continueConversation(callerFor('search'), { conversationId: other, message: 'and KIWIs?' });
    const page = await chat.listConversations(callerFor('search'), { query: '  kiwi ' });
    expect(page.conversations.map((header) => header.id)).toEqual([other]);
    const next = await chat.listConversations(callerFor('search'), { query: 'kiwi', pageToken: page.nextPageToken });
    expect(next.conversations.map((header) => header.id)).toEqual([kiwi]);
    expect((await chat.listConversations(callerFor('another-tenant'), { query: 'kiwi' })).conversations).toEqual([]);
  });

  it('treats hostile queries as plain text, and refuses oversized ones and control characters', async () => {
    const chat = service();
    await chat.startConversation(callerFor('hostile'), { message: 'anything at all' });
    for (const query of ['.*', '(a+)+$', '{"$where":"sleep(1000)"}', "'; DROP TABLE messages; --", '%', '_', '\\']) {
      expect((await chat.listConversations(callerFor('hostile'), { query })).conversations, query).toEqual([]);
    }
    for (const query of ['x'.repeat(201), '😀'.repeat(201), 'nul\u0000', 'tab\tinside', 'x'.repeat(1_000_000)]) {
      await expect(chat.listConversations(callerFor('hostile'), { query })).rejects.toMatchObject({ code: 'HOST_INVALID_ARGUMENT', meta: { argument: 'query' } });
    }
    await expect(chat.listConversations(callerFor('hostile'), { query: 'x', pageToken: 'forged' })).rejects.toMatchObject({ meta: { argument: 'page_token' } });
  });
});
