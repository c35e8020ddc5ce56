import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError } from '../../core/src/errors/index.js';
import { encodePageToken } from '../../core/src/storage/index.js';
import type { ConversationHeader, ConversationStore, NewMessage, SearchConversationsOptions, ToolCallRecord } from '../../core/src/storage/index.js';
import type { ConversationStoreFactory } from './conversation-store-contract.js';
import { TestClock } from './test-clock.js';

const DAY = 24 * 60 * 60_000;
// The smallest valid PNG signature plus a few bytes: enough for a store, which keeps bytes as given.
const PNG_BASE64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]).toString('base64');

function user(content: string): NewMessage {
  return { role: 'user', content };
}

function assistant(content: string, extra: Partial<NewMessage> = {}): NewMessage {
  return { role: 'assistant', content, ...extra };
}

function toolCall(plugin: string, extra: Partial<ToolCallRecord> = {}): ToolCallRecord {
  return {
    id: `call_${randomUUID().slice(0, 8)}`,
    name: `${plugin}__render`,
    plugin,
    pluginVersion: '1.0.0',
    tool: 'render',
    arguments: '{}',
    result: '[image image/png, 12 bytes: shown to the user]',
    outcome: 'ok',
    durationMs: 3,
    ...extra,
  };
}

async function expectHostError(promise: Promise<unknown>, code: HostError['code'], argument?: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(HostError.isInstance(error), `expected HostError ${code}, got ${String(error)}`).toBe(true);
  expect((error as HostError).code).toBe(code);
  if (argument !== undefined) expect((error as HostError).meta.argument).toBe(argument);
}

/** Every page of a search, and how many calls it took. */
async function searchAll(store: ConversationStore, tenantId: string, options: Omit<SearchConversationsOptions, 'pageToken'>) {
  const found: ConversationHeader[] = [];
  let pageToken: string | undefined;
  for (let calls = 1; calls < 1000; calls += 1) {
    const page = await store.search(tenantId, { ...options, ...(pageToken ? { pageToken } : {}) });
    found.push(...page.conversations);
    if (!page.nextPageToken) return { found, calls };
    pageToken = page.nextPageToken;
  }
  throw new Error('search paging did not terminate');
}

/**
 * The conversation-lifecycle part of the ConversationStore contract (issue 18): the created-order
 * listing, bounded search, removal, replacing the last reply, retention's untouched listing and
 * conditional titles. One suite for every implementation; each test uses tenants of its own.
 */
export function describeConversationLifecycleContract(name: string, makeFactory: () => Promise<ConversationStoreFactory>): void {
  describe(`ConversationStore lifecycle contract: ${name}`, () => {
    const clock = new TestClock();
    let factory: ConversationStoreFactory;
    let store: ConversationStore;
    const tenant = () => `tenant-${randomUUID()}`;

    beforeAll(async () => {
      factory = await makeFactory();
      store = await factory.open(clock.now);
    });

    afterAll(async () => {
      await store?.close();
      await factory?.destroy();
    });

    describe('listing newest created first', () => {
      it('orders by creation, not by the last turn, and pages on in that order', async () => {
        const tenantId = tenant();
        const a = await store.create({ tenantId, title: 'A', messages: [user('a')] });
        const b = await store.create({ tenantId, title: 'B', messages: [user('b')] });
        const c = await store.create({ tenantId, title: 'C', messages: [user('c')] });
        clock.advance(1000);
        await store.append(tenantId, a.id, [user('a again')]);

        const byUpdate = await store.list(tenantId, { pageSize: 10 });
        expect(byUpdate.conversations.map((header) => header.title)).toEqual(['A', 'C', 'B']);
        const byCreation = await store.list(tenantId, { pageSize: 10, order: 'created' });
        expect(byCreation.conversations.map((header) => header.title)).toEqual(['C', 'B', 'A']);

        const first = await store.list(tenantId, { pageSize: 2, order: 'created' });
        expect(first.conversations.map((header) => header.id)).toEqual([c.id, b.id]);
        // The token carries the order: it continues by creation even when the request asks otherwise.
        const second = await store.list(tenantId, { pageSize: 2, pageToken: first.nextPageToken!, order: 'updated' });
        expect(second.conversations.map((header) => header.id)).toEqual([a.id]);
        expect(second.nextPageToken).toBeUndefined();
      });
    });

    describe('search', () => {
      it('finds conversations by title or message text, case-insensitively, newest updated first', async () => {
        const tenantId = tenant();
        const byTitle = await store.create({ tenantId, title: 'Lisbon Trip', messages: [user('plan it'), assistant('ok')] });
        const byUser = await store.create({ tenantId, title: 'Chat', messages: [user('Is LISBON warm in May?'), assistant('yes')] });
        const byReply = await store.create({ tenantId, title: 'Other', messages: [user('where?'), assistant('maybe lisbon')] });
        await store.create({ tenantId, title: 'Nothing', messages: [user('Porto'), assistant('north')] });
        const page = await store.search(tenantId, { query: 'lisbon', pageSize: 10 });
        expect(page.conversations.map((header) => header.id)).toEqual([byReply.id, byUser.id, byTitle.id]);
        expect(page.nextPageToken).toBeUndefined();
        // Headers only, like List.
        expect(page.conversations[0]).not.toHaveProperty('messages');
      });

      it('matches the query as plain text: pattern characters match only themselves', async () => {
        const tenantId = tenant();
        const literal = await store.create({ tenantId, title: 't', messages: [user('cost is $5.00 (approx.) [a+b]*')] });
        await store.create({ tenantId, title: 'u', messages: [user('cost is $5X00 approx')] });
        for (const query of ['$5.00', '(approx.)', '[a+b]*', '.00 (']) {
          expect((await store.search(tenantId, { query, pageSize: 10 })).conversations.map((header) => header.id), query).toEqual([literal.id]);
        }
        for (const query of ['.*', '^cost', '(a+)+$', '\\', '{"$ne":null}']) {
          expect((await store.search(tenantId, { query, pageSize: 10 })).conversations, query).toEqual([]);
        }
      });

      it('folds the case of letters beyond ASCII', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 'Été à Zürich', messages: [user('Ÿ')] });
        expect((await store.search(tenantId, { query: 'ÉTÉ', pageSize: 5 })).conversations.map((header) => header.id)).toEqual([created.id]);
        expect((await store.search(tenantId, { query: 'zÜrich', pageSize: 5 })).conversations.map((header) => header.id)).toEqual([created.id]);
      });

      it("never finds another tenant's conversations", async () => {
        const owner = tenant();
        const intruder = tenant();
        await store.create({ tenantId: owner, title: 'secret plans', messages: [user('the secret password is hunter2')] });
        expect((await store.search(intruder, { query: 'secret', pageSize: 10 })).conversations).toEqual([]);
        expect((await store.search(intruder, { query: 'hunter2', pageSize: 10 })).conversations).toEqual([]);
      });

      it('pages through every match exactly once', async () => {
        const tenantId = tenant();
        const matching: string[] = [];
        for (let index = 0; index < 7; index += 1) {
          const created = await store.create({ tenantId, title: `note ${index}`, messages: [user(index % 2 === 0 ? `kiwi ${index}` : `plum ${index}`)] });
          if (index % 2 === 0) matching.unshift(created.id);
        }
        const { found } = await searchAll(store, tenantId, { query: 'KIWI', pageSize: 2 });
        expect(found.map((header) => header.id)).toEqual(matching);
      });

      it('examines at most scanLimit conversations per call, handing out a token to go on', async () => {
        const tenantId = tenant();
        const oldest = await store.create({ tenantId, title: 'needle', messages: [user('x')] });
        for (let index = 0; index < 5; index += 1) await store.create({ tenantId, title: `hay ${index}`, messages: [user('y')] });
        const first = await store.search(tenantId, { query: 'needle', pageSize: 10, scanLimit: 2 });
        expect(first.conversations).toEqual([]);
        expect(first.nextPageToken).toBeDefined();
        const { found, calls } = await searchAll(store, tenantId, { query: 'needle', pageSize: 10, scanLimit: 2 });
        expect(found.map((header) => header.id)).toEqual([oldest.id]);
        expect(calls).toBeGreaterThanOrEqual(3);
      });

      it('refuses a token of the unpaged, created-order listing and a malformed one', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 'x', messages: [user('x')] });
        const createdOrder = encodePageToken(tenantId, { order: 'created', at: created.createdAt, id: created.id });
        await expectHostError(store.search(tenantId, { query: 'x', pageSize: 5, pageToken: createdOrder }), 'HOST_INVALID_ARGUMENT', 'page_token');
        await expectHostError(store.search(tenantId, { query: 'x', pageSize: 5, pageToken: '%%%' }), 'HOST_INVALID_ARGUMENT', 'page_token');
        await expectHostError(store.search(tenantId, { query: 'x', pageSize: 0 }), 'HOST_INVALID_ARGUMENT', 'page_size');
      });
    });

    describe('remove', () => {
      it('deletes the conversation, its messages and its tool-call provenance; a second delete finds nothing', async () => {
        const tenantId = tenant();
        const call = toolCall('painter', { data: '{"width":1}', images: [{ mimeType: 'image/png', data: PNG_BASE64 }] });
        const session = { platform: 'web', userId: 'u', chatId: 'c' };
        const created = await store.create({ tenantId, title: 'To go', session, messages: [user('first words'), assistant('reply', { toolCalls: [call] })] });
        await store.append(tenantId, created.id, [user('second'), assistant('again')]);
        const kept = await store.create({ tenantId, title: 'To keep', messages: [user('stay')] });

        const removed = await store.remove(tenantId, created.id);
        expect(removed?.header).toMatchObject({ id: created.id, tenantId, title: 'To go', session });
        expect(removed?.firstMessage).toBe('first words');
        expect(await store.get(tenantId, created.id)).toBeUndefined();
        expect(await store.append(tenantId, created.id, [user('resurrect?')])).toBeUndefined();
        expect(await store.get(tenantId, created.id)).toBeUndefined();
        expect((await store.list(tenantId, { pageSize: 10 })).conversations.map((header) => header.id)).toEqual([kept.id]);
        expect((await store.search(tenantId, { query: 'first words', pageSize: 10 })).conversations).toEqual([]);
        expect(await store.findByToolProvenance(tenantId, 'painter')).toEqual([]);
        expect(await store.findLatestForSession(tenantId, session, new Date(0))).toBeUndefined();
        await expectHostError(store.setTitle(tenantId, created.id, 'back'), 'HOST_CONVERSATION_NOT_FOUND');

        expect(await store.remove(tenantId, created.id)).toBeUndefined();
        expect(await store.get(tenantId, kept.id)).toBeDefined();
      });

      it("leaves another tenant's conversation alone, and treats malformed ids as unknown", async () => {
        const owner = tenant();
        const created = await store.create({ tenantId: owner, title: 'mine', messages: [user('mine')] });
        expect(await store.remove(tenant(), created.id)).toBeUndefined();
        expect((await store.get(owner, created.id))?.messages.map((message) => message.content)).toEqual(['mine']);
        for (const id of ['', 'not-an-object-id', '{"$gt":""}', `${created.id}:`, 'z'.repeat(24)]) expect(await store.remove(owner, id)).toBeUndefined();
        expect(await store.get(owner, created.id)).toBeDefined();
      });

      it('with ifUpdatedBefore, keeps a conversation that had a turn since', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 't', messages: [user('old')] });
        clock.advance(10 * DAY);
        const cutoff = clock.peek();
        await store.append(tenantId, created.id, [user('fresh')]);
        expect(await store.remove(tenantId, created.id, { ifUpdatedBefore: cutoff })).toBeUndefined();
        expect(await store.get(tenantId, created.id)).toBeDefined();
        clock.advance(DAY);
        expect((await store.remove(tenantId, created.id, { ifUpdatedBefore: clock.peek() }))?.header.id).toBe(created.id);
      });

      it('removes an empty conversation (no first message to report)', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 'empty', messages: [] });
        const removed = await store.remove(tenantId, created.id);
        expect(removed?.header.id).toBe(created.id);
        expect(removed?.firstMessage).toBeUndefined();
      });
    });

    describe('replacing the last reply', () => {
      it('replaces the last assistant message in place: same position, new id and text, version kept, moved to the top', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 'r', messages: [user('q1'), assistant('a1')] });
        await store.append(tenantId, created.id, [user('q2'), assistant('a2', { tokens: 3 })]);
        const other = await store.create({ tenantId, title: 'newer', messages: [user('x')] });
        const before = (await store.get(tenantId, created.id))!;
        const lastId = before.messages[3]!.id;
        clock.advance(1000);

        const call = toolCall('painter', { data: '{"rows":[1,2]}', images: [{ mimeType: 'image/png', data: PNG_BASE64 }] });
        const replacement = assistant('a2, better', { id: 'bbbbbbbbbbbbbbbbbbbbbbbb', toolCalls: [call], usage: { promptTokens: 120, completionTokens: 7 } });
        expect(await store.replaceLastMessage(tenantId, created.id, lastId, replacement)).toEqual({ version: before.version });

        const after = (await store.get(tenantId, created.id))!;
        expect(after.messageCount).toBe(4);
        expect(after.version).toBe(before.version);
        expect(after.messages.map((message) => message.content)).toEqual(['q1', 'a1', 'q2', 'a2, better']);
        expect(after.messages[3]).toMatchObject({ id: 'bbbbbbbbbbbbbbbbbbbbbbbb', toolCalls: [call], usage: { promptTokens: 120, completionTokens: 7 } });
        expect(after.messages[3]?.tokens).toBeUndefined();
        expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
        expect((await store.list(tenantId, { pageSize: 10 })).conversations.map((header) => header.id)).toEqual([created.id, other.id]);
        // The next append goes after the replacement.
        expect(await store.append(tenantId, created.id, [user('q3')])).toEqual({ version: before.version + 1 });
        expect((await store.get(tenantId, created.id))!.messages.map((message) => message.content)).toEqual(['q1', 'a1', 'q2', 'a2, better', 'q3']);
      });

      it('refuses when the named message is not the last one or is not a reply (the conversation changed)', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 'r', messages: [user('q1'), assistant('a1')] });
        const [question, answer] = created.messages;
        await expectHostError(store.replaceLastMessage(tenantId, created.id, question!.id, assistant('x')), 'HOST_CONVERSATION_CONFLICT', 'message_id');
        await store.append(tenantId, created.id, [user('q2')]);
        await expectHostError(store.replaceLastMessage(tenantId, created.id, answer!.id, assistant('x')), 'HOST_CONVERSATION_CONFLICT', 'message_id');
        const last = (await store.get(tenantId, created.id))!.messages.at(-1)!;
        await expectHostError(store.replaceLastMessage(tenantId, created.id, last.id, assistant('x')), 'HOST_CONVERSATION_CONFLICT');
        const empty = await store.create({ tenantId, title: 'e', messages: [] });
        await expectHostError(store.replaceLastMessage(tenantId, empty.id, answer!.id, assistant('x')), 'HOST_CONVERSATION_CONFLICT');
        expect((await store.get(tenantId, created.id))!.messages.map((message) => message.content)).toEqual(['q1', 'a1', 'q2']);
      });

      it("answers undefined for unknown, malformed and other tenants' conversations, changing nothing", async () => {
        const owner = tenant();
        const created = await store.create({ tenantId: owner, title: 'r', messages: [user('q1'), assistant('a1')] });
        const answerId = created.messages[1]!.id;
        expect(await store.replaceLastMessage(tenant(), created.id, answerId, assistant('pwned'))).toBeUndefined();
        expect(await store.replaceLastMessage(owner, 'not-an-object-id', answerId, assistant('x'))).toBeUndefined();
        expect(await store.replaceLastMessage(owner, 'f'.repeat(24), answerId, assistant('x'))).toBeUndefined();
        expect((await store.get(owner, created.id))!.messages[1]!.content).toBe('a1');
      });
    });

    describe('retention listing', () => {
      it('lists conversations untouched since a time, oldest first, per tenant or across all but some', async () => {
        const first = tenant();
        const second = tenant();
        const old1 = await store.create({ tenantId: first, title: 'old1', messages: [user('x')] });
        const old2 = await store.create({ tenantId: second, title: 'old2', messages: [user('x')] });
        const revived = await store.create({ tenantId: first, title: 'revived', messages: [user('x')] });
        clock.advance(30 * DAY);
        const cutoff = clock.peek();
        await store.append(first, revived.id, [user('back')]);
        await store.create({ tenantId: first, title: 'new', messages: [user('x')] });

        expect((await store.listUntouched({ tenantId: first }, cutoff, 10)).map((header) => header.id)).toEqual([old1.id]);
        expect((await store.listUntouched({ tenantId: second }, cutoff, 10)).map((header) => header.id)).toEqual([old2.id]);
        const everyoneElse = await store.listUntouched({ exceptTenantIds: [second] }, cutoff, 10_000);
        expect(everyoneElse.map((header) => header.id)).toContain(old1.id);
        expect(everyoneElse.map((header) => header.id)).not.toContain(old2.id);
        expect(everyoneElse.every((header) => header.updatedAt < cutoff)).toBe(true);
        const times = everyoneElse.map((header) => header.updatedAt.getTime());
        expect(times).toEqual([...times].sort((left, right) => left - right));
        expect(await store.listUntouched({ exceptTenantIds: [] }, cutoff, 1)).toHaveLength(1);
      });
    });

    describe('titles', () => {
      it('renames without moving the conversation; a conditional title yields to a rename', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 'Fallback', messages: [user('x')] });
        const newer = await store.create({ tenantId, title: 'Newer', messages: [user('y')] });
        expect(await store.setTitle(tenantId, created.id, 'Chosen by the user')).toBe(true);
        expect(await store.setTitle(tenantId, created.id, 'Generated late', { ifTitle: 'Fallback' })).toBe(false);
        const loaded = (await store.get(tenantId, created.id))!;
        expect(loaded.title).toBe('Chosen by the user');
        expect(loaded.updatedAt.getTime()).toBe(created.updatedAt.getTime());
        expect((await store.list(tenantId, { pageSize: 10 })).conversations.map((header) => header.id)).toEqual([newer.id, created.id]);
        expect(await store.setTitle(tenantId, newer.id, 'Generated', { ifTitle: 'Newer' })).toBe(true);
        expect((await store.get(tenantId, newer.id))!.title).toBe('Generated');
        await expectHostError(store.setTitle(tenant(), created.id, 'x', { ifTitle: 'Chosen by the user' }), 'HOST_CONVERSATION_NOT_FOUND');
      });
    });

    describe('what a reply carries', () => {
      it('round-trips reported token usage, structured tool data and tool images', async () => {
        const tenantId = tenant();
        const call = toolCall('painter', { data: '{"a":[1,{"b":null}]}', images: [{ mimeType: 'image/png', data: PNG_BASE64 }, { mimeType: 'image/webp', data: 'UklGRg==' }] });
        const created = await store.create({
          tenantId,
          title: 't',
          messages: [user('draw'), assistant('here', { toolCalls: [call], usage: { promptTokens: 1500, completionTokens: 42 } })],
        });
        await store.append(tenantId, created.id, [user('plain'), assistant('no usage reported')]);
        const loaded = (await store.get(tenantId, created.id))!;
        expect(loaded.messages[1]).toMatchObject({ toolCalls: [call], usage: { promptTokens: 1500, completionTokens: 42 } });
        expect(loaded.messages[3]?.usage).toBeUndefined();
        expect(loaded.messages[0]?.usage).toBeUndefined();
      });
    });
  });
}
