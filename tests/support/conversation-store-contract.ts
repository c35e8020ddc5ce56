import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError } from '../../core/src/errors/index.js';
import { createObjectIdHex } from '../../core/src/storage/index.js';
import type {
  ConversationHeader,
  ConversationStore,
  NewMessage,
  SessionIdentity,
  ToolCallRecord,
} from '../../core/src/storage/index.js';
import { TestClock } from './test-clock.js';

/** How the contract suite reaches one implementation. */
export interface ConversationStoreFactory {
  /**
   * Opens and initialises a store over this suite's data set. Each call gives an independent
   * instance over the same data, like a second process or replica.
   */
  open(now: () => Date): Promise<ConversationStore>;
  /** Removes the suite's data (drops the database / deletes the folder). */
  destroy(): Promise<void>;
}

const MINUTE = 60_000;

function user(content: string): NewMessage {
  return { role: 'user', content };
}

function assistant(content: string, toolCalls?: ToolCallRecord[]): NewMessage {
  return toolCalls === undefined ? { role: 'assistant', content } : { role: 'assistant', content, toolCalls };
}

function toolCall(plugin: string, pluginVersion: string, tool = 'get_weather'): ToolCallRecord {
  return {
    id: `call_${randomUUID().slice(0, 8)}`,
    name: `${plugin}__${tool}`,
    plugin,
    pluginVersion,
    tool,
    schemaFingerprint: 'sha256:abc',
    arguments: '{"location":"Lisbon"}',
    result: '{"temperature_c":21}',
    outcome: 'ok',
    durationMs: 12,
  };
}

async function expectHostError(promise: Promise<unknown>, code: HostError['code'], meta?: Record<string, string>): Promise<HostError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(HostError.isInstance(error), `expected HostError ${code}, got ${String(error)}`).toBe(true);
  const hostError = error as HostError;
  expect(hostError.code).toBe(code);
  if (meta) expect(hostError.meta).toMatchObject(meta);
  return hostError;
}

async function listAll(store: ConversationStore, tenantId: string, pageSize: number, userId?: string): Promise<ConversationHeader[]> {
  const all: ConversationHeader[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < 1000; page += 1) {
    const result = await store.list(tenantId, { pageSize, ...(pageToken ? { pageToken } : {}), ...(userId ? { userId } : {}) });
    all.push(...result.conversations);
    if (!result.nextPageToken) return all;
    pageToken = result.nextPageToken;
  }
  throw new Error('paging did not terminate');
}

/**
 * The one behavioural contract every ConversationStore implementation must pass.
 * Each test uses its own tenant, so tests share one database without seeing each other.
 */
export function describeConversationStoreContract(name: string, makeFactory: () => Promise<ConversationStoreFactory>): void {
  describe(`ConversationStore contract: ${name}`, () => {
    const clock = new TestClock();
    let factory: ConversationStoreFactory;
    let store: ConversationStore;
    const opened: ConversationStore[] = [];
    const tenant = () => `tenant-${randomUUID()}`;

    beforeAll(async () => {
      factory = await makeFactory();
      store = await factory.open(clock.now);
      opened.push(store);
    });

    afterAll(async () => {
      for (const instance of opened) await instance.close();
      await factory?.destroy();
    });

    describe('create and get', () => {
      it('returns what was created, with 24-hex ids and the messages in order', async () => {
        const tenantId = tenant();
        const session: SessionIdentity = { platform: 'telegram', userId: 'u-1', chatId: 'c-1' };
        const created = await store.create({ tenantId, title: 'Trip to Lisbon', session, messages: [user('hi'), assistant('hello')] });
        expect(created.id).toMatch(/^[0-9a-f]{24}$/);
        expect(created.version).toBe(1);
        expect(created.messageCount).toBe(2);
        expect(created.messages.map((message) => message.id)).toEqual([
          expect.stringMatching(/^[0-9a-f]{24}$/),
          expect.stringMatching(/^[0-9a-f]{24}$/),
        ]);

        const loaded = await store.get(tenantId, created.id);
        expect(loaded).toMatchObject({
          id: created.id,
          tenantId,
          title: 'Trip to Lisbon',
          session,
          version: 1,
          messageCount: 2,
          firstMessageIndex: 0,
        });
        expect(loaded?.messages.map((message) => [message.role, message.content])).toEqual([
          ['user', 'hi'],
          ['assistant', 'hello'],
        ]);
        expect(loaded?.messages.map((message) => message.id)).toEqual(created.messages.map((message) => message.id));
        expect(loaded?.createdAt.getTime()).toBe(created.createdAt.getTime());
        expect(loaded?.messages[0]?.createdAt).toBeInstanceOf(Date);
      });

      it('creates an empty conversation at version 0 without a session', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 'Empty', messages: [] });
        expect(created.version).toBe(0);
        const loaded = await store.get(tenantId, created.id);
        expect(loaded?.messages).toEqual([]);
        expect(loaded?.messageCount).toBe(0);
        expect(loaded?.session).toBeUndefined();
      });

      it('round-trips tool calls, prompt version and token counts', async () => {
        const tenantId = tenant();
        const call = toolCall('weather', '1.2.0');
        const created = await store.create({
          tenantId,
          title: 't',
          messages: [user('weather?'), { role: 'assistant', content: 'sunny', toolCalls: [call], promptVersion: 'default@3', tokens: 42 }],
        });
        const loaded = await store.get(tenantId, created.id);
        expect(loaded?.messages[1]).toMatchObject({ toolCalls: [call], promptVersion: 'default@3', tokens: 42 });
        expect(loaded?.messages[0]?.toolCalls).toBeUndefined();
      });

      it("round-trips each tool call's token counts, and leaves calls stored without them without", async () => {
        const tenantId = tenant();
        const counted: ToolCallRecord = { ...toolCall('weather', '1.2.0'), tokens: { call: 17, result: 9 } };
        const uncounted = toolCall('weather', '1.2.0', 'get_forecast');
        const created = await store.create({ tenantId, title: 't', messages: [user('weather?'), assistant('sunny', [counted, uncounted])] });
        const appended: ToolCallRecord = { ...toolCall('datetime', '0.3.0', 'get_current_time'), tokens: { call: 12, result: 0 } };
        await store.append(tenantId, created.id, [user('time?'), assistant('noon', [appended])]);
        const loaded = await store.get(tenantId, created.id);
        expect(loaded?.messages[1]?.toolCalls).toEqual([counted, uncounted]);
        expect(loaded?.messages[1]?.toolCalls?.[1]).not.toHaveProperty('tokens');
        expect(loaded?.messages[3]?.toolCalls).toEqual([appended]);
        const recent = await store.get(tenantId, created.id, { recentMessages: 1 });
        expect(recent?.messages[0]?.toolCalls?.[0]?.tokens).toEqual({ call: 12, result: 0 });
      });

      it('keeps caller-provided message ids and timestamps', async () => {
        const tenantId = tenant();
        const createdAt = new Date(Date.UTC(2025, 5, 1));
        const created = await store.create({ tenantId, title: 't', messages: [{ ...user('x'), id: 'aaaaaaaaaaaaaaaaaaaaaaaa', createdAt }] });
        const loaded = await store.get(tenantId, created.id);
        expect(loaded?.messages[0]).toMatchObject({ id: 'aaaaaaaaaaaaaaaaaaaaaaaa', createdAt });
      });

      it('creates the conversation under an id the caller chose, lower-cased', async () => {
        const tenantId = tenant();
        const chosen = createObjectIdHex(clock.now()).toUpperCase();
        const created = await store.create({ id: chosen, tenantId, title: 'announced', messages: [user('q'), assistant('a')] });
        expect(created.id).toBe(chosen.toLowerCase());
        const loaded = await store.get(tenantId, chosen.toLowerCase());
        expect(loaded?.messages.map((message) => message.content)).toEqual(['q', 'a']);
        expect(await store.append(tenantId, created.id, [user('more')])).toEqual({ version: 2 });
      });

      it('refuses a chosen id that is not 24 hex characters, storing nothing', async () => {
        const tenantId = tenant();
        for (const id of ['', 'nope', '{"$gt":""}', 'zzzzzzzzzzzzzzzzzzzzzzzz']) {
          await expectHostError(store.create({ id, tenantId, title: 'bad', messages: [user('q')] }), 'HOST_INVALID_ARGUMENT', { argument: 'id' });
        }
        expect((await store.list(tenantId, { pageSize: 10 })).conversations).toEqual([]);
      });
    });

    describe('tenant isolation', () => {
      it("treats another tenant's conversation exactly like an unknown one", async () => {
        const owner = tenant();
        const intruder = tenant();
        const created = await store.create({ tenantId: owner, title: 'secret', messages: [user('mine')] });
        expect(await store.get(intruder, created.id)).toBeUndefined();
        expect(await store.append(intruder, created.id, [user('sneaky')])).toBeUndefined();
        await expectHostError(store.setTitle(intruder, created.id, 'pwned'), 'HOST_CONVERSATION_NOT_FOUND');
        await expectHostError(
          store.setSummary(intruder, created.id, { content: 's', coversThroughIndex: 0, createdAt: clock.now() }),
          'HOST_CONVERSATION_NOT_FOUND',
        );
        const untouched = await store.get(owner, created.id);
        expect(untouched?.title).toBe('secret');
        expect(untouched?.messages.map((message) => message.content)).toEqual(['mine']);
      });

      it('never lists, recovers or reports another tenant’s conversations', async () => {
        const first = tenant();
        const second = tenant();
        const session: SessionIdentity = { platform: 'web', userId: 'same-user', chatId: 'same-chat' };
        const call = toolCall('weather', '9.9.9');
        await store.create({ tenantId: first, title: 'a', session, messages: [user('q'), assistant('a', [call])] });
        expect((await store.list(second, { pageSize: 10 })).conversations).toEqual([]);
        expect(await store.findLatestForSession(second, session, new Date(0))).toBeUndefined();
        expect(await store.findByToolProvenance(second, 'weather')).toEqual([]);
        expect((await store.list(first, { pageSize: 10 })).conversations).toHaveLength(1);
      });

      it('returns undefined for ids that are not 24-hex ObjectIds', async () => {
        const tenantId = tenant();
        for (const id of ['', 'nope', '123', 'zzzzzzzzzzzzzzzzzzzzzzzz', '0123456789abcdef0123456789', '{"$gt":""}']) {
          expect(await store.get(tenantId, id)).toBeUndefined();
          expect(await store.append(tenantId, id, [user('x')])).toBeUndefined();
        }
        expect(await store.get(tenantId, 'ffffffffffffffffffffffff')).toBeUndefined();
      });
    });

    describe('append', () => {
      it('appends in order, bumps the version and keeps indices contiguous', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 't', messages: [user('1'), assistant('2')] });
        expect(await store.append(tenantId, created.id, [user('3'), assistant('4')])).toEqual({ version: 2 });
        expect(await store.append(tenantId, created.id, [user('5')])).toEqual({ version: 3 });
        const loaded = await store.get(tenantId, created.id);
        expect(loaded?.messages.map((message) => message.content)).toEqual(['1', '2', '3', '4', '5']);
        expect(loaded?.version).toBe(3);
        expect(loaded?.messageCount).toBe(5);
        expect(loaded?.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
      });

      it('treats an empty append as a no-op that reports the current version', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 't', messages: [user('1')] });
        expect(await store.append(tenantId, created.id, [])).toEqual({ version: 1 });
        expect((await store.get(tenantId, created.id))?.messageCount).toBe(1);
      });

      it('keeps all 100 messages of 50 concurrent turns, each user/assistant pair adjacent', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 'busy', messages: [] });
        // Half the writers go through a second instance: concurrency across processes, not only within one.
        const sibling = await factory.open(clock.now);
        opened.push(sibling);
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, turn) =>
            (turn % 2 === 0 ? store : sibling).append(tenantId, created.id, [user(`u${turn}`), assistant(`a${turn}`)]),
          ),
        );
        expect(new Set(results.map((result) => result?.version)).size).toBe(50);
        const loaded = await store.get(tenantId, created.id);
        expect(loaded?.messages).toHaveLength(100);
        expect(loaded?.messageCount).toBe(100);
        expect(loaded?.version).toBe(50);
        const contents = loaded!.messages.map((message) => message.content);
        for (let index = 0; index < 100; index += 2) {
          const turn = contents[index]!.slice(1);
          expect(contents[index]).toBe(`u${turn}`);
          expect(contents[index + 1]).toBe(`a${turn}`);
        }
        expect(new Set(contents).size).toBe(100);
      });

      it('rejects a stale expectedVersion with HOST_CONVERSATION_CONFLICT and accepts the current one', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 't', messages: [user('1')] });
        expect(await store.append(tenantId, created.id, [assistant('2')], { expectedVersion: 1 })).toEqual({ version: 2 });
        await expectHostError(store.append(tenantId, created.id, [assistant('stale')], { expectedVersion: 1 }), 'HOST_CONVERSATION_CONFLICT');
        await expectHostError(store.append(tenantId, created.id, [assistant('future')], { expectedVersion: 7 }), 'HOST_CONVERSATION_CONFLICT');
        const loaded = await store.get(tenantId, created.id);
        expect(loaded?.messages.map((message) => message.content)).toEqual(['1', '2']);
      });

      it('lets exactly one of several writers with the same expectedVersion win', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 't', messages: [user('start')] });
        const sibling = await factory.open(clock.now);
        opened.push(sibling);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 10 }, (_, writer) =>
            (writer % 2 === 0 ? store : sibling).append(tenantId, created.id, [assistant(`w${writer}`)], { expectedVersion: 1 }),
          ),
        );
        const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        expect(winners).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') expect((outcome.reason as HostError).code).toBe('HOST_CONVERSATION_CONFLICT');
        }
        expect((await store.get(tenantId, created.id))?.messages).toHaveLength(2);
      });
    });

    describe('recent messages', () => {
      it('returns only the newest messages with the index of the first one', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 't', messages: [user('m0'), assistant('m1')] });
        for (let turn = 1; turn < 20; turn += 1) {
          await store.append(tenantId, created.id, [user(`m${turn * 2}`), assistant(`m${turn * 2 + 1}`)]);
        }
        const tail = await store.get(tenantId, created.id, { recentMessages: 5 });
        expect(tail?.messages.map((message) => message.content)).toEqual(['m35', 'm36', 'm37', 'm38', 'm39']);
        expect(tail?.firstMessageIndex).toBe(35);
        expect(tail?.messageCount).toBe(40);
        expect(tail?.version).toBe(20);

        const none = await store.get(tenantId, created.id, { recentMessages: 0 });
        expect(none?.messages).toEqual([]);
        expect(none?.firstMessageIndex).toBe(40);

        const more = await store.get(tenantId, created.id, { recentMessages: 500 });
        expect(more?.messages).toHaveLength(40);
        expect(more?.firstMessageIndex).toBe(0);
      });
    });

    describe('list', () => {
      it('pages newest first without gaps or duplicates', async () => {
        const tenantId = tenant();
        const ids: string[] = [];
        for (let index = 0; index < 25; index += 1) {
          ids.push((await store.create({ tenantId, title: `c${index}`, messages: [user(`${index}`)] })).id);
        }
        const first = await store.list(tenantId, { pageSize: 10 });
        expect(first.conversations).toHaveLength(10);
        expect(first.nextPageToken).toEqual(expect.any(String));
        expect(first.conversations[0]).toMatchObject({ id: ids[24], title: 'c24', messageCount: 1, version: 1 });
        expect(first.conversations[0]).not.toHaveProperty('messages');

        const all = await listAll(store, tenantId, 10);
        expect(all.map((conversation) => conversation.id)).toEqual([...ids].reverse());
        const last = await store.list(tenantId, { pageSize: 25 });
        expect(last.nextPageToken).toBeUndefined();
      });

      it('orders by last update, so an append moves a conversation to the front', async () => {
        const tenantId = tenant();
        const older = await store.create({ tenantId, title: 'older', messages: [user('1')] });
        const newer = await store.create({ tenantId, title: 'newer', messages: [user('1')] });
        await store.append(tenantId, older.id, [assistant('2')]);
        const page = await store.list(tenantId, { pageSize: 10 });
        expect(page.conversations.map((conversation) => conversation.id)).toEqual([older.id, newer.id]);
        expect(page.conversations[0]?.messageCount).toBe(2);
      });

      it('stays stable while conversations are updated between pages', async () => {
        const tenantId = tenant();
        const ids: string[] = [];
        for (let index = 0; index < 30; index += 1) {
          ids.push((await store.create({ tenantId, title: `c${index}`, messages: [user('x')] })).id);
        }
        const seen: string[] = [];
        const first = await store.list(tenantId, { pageSize: 10 });
        seen.push(...first.conversations.map((conversation) => conversation.id));
        // Conversations on later pages (and one already seen) are updated mid-listing.
        const touched = [ids[5]!, ids[12]!, ids[28]!];
        await Promise.all(touched.map((id) => store.append(tenantId, id, [assistant('bump')])));
        let token = first.nextPageToken;
        while (token) {
          const page = await store.list(tenantId, { pageSize: 10, pageToken: token });
          seen.push(...page.conversations.map((conversation) => conversation.id));
          token = page.nextPageToken;
        }
        expect(new Set(seen).size).toBe(seen.length);
        for (const id of ids) {
          if (!touched.includes(id)) expect(seen).toContain(id);
        }
      });

      it("refuses another tenant's page token, for listing and search, and hands out nothing of theirs", async () => {
        const owner = tenant();
        const intruder = tenant();
        for (let index = 0; index < 3; index += 1) await store.create({ tenantId: owner, title: `secret ${index}`, messages: [user('secret')] });
        await store.create({ tenantId: intruder, title: 'own', messages: [user('secret')] });
        const ownersToken = (await store.list(owner, { pageSize: 1 })).nextPageToken!;
        expect(ownersToken).toEqual(expect.any(String));
        for (const attempt of [store.list(intruder, { pageSize: 10, pageToken: ownersToken }), store.search(intruder, { query: 'secret', pageSize: 10, pageToken: ownersToken })]) {
          const error = await attempt.then(() => undefined, (caught: unknown) => caught);
          expect(HostError.isInstance(error) && error.code).toBe('HOST_INVALID_ARGUMENT');
          expect((error as HostError).meta).toEqual({ argument: 'page_token' });
          expect((error as HostError).message).toMatch(/another caller.*list again without page_token/);
          expect((error as HostError).message).not.toContain(ownersToken);
        }
        // The token still serves its own tenant.
        expect((await store.list(owner, { pageSize: 10, pageToken: ownersToken })).conversations).toHaveLength(2);
      });

      it("continues a token of the previous release (no tenant in it) within the caller's own conversations only", async () => {
        const owner = tenant();
        const other = tenant();
        await store.create({ tenantId: owner, title: 'first', messages: [user('x')] });
        clock.advance(1000);
        await store.create({ tenantId: other, title: 'not yours', messages: [user('x')] });
        clock.advance(1000);
        const last = await store.create({ tenantId: owner, title: 'last', messages: [user('x')] });
        // What the previous release handed out: the position of `last` and nothing else.
        const legacy = Buffer.from(JSON.stringify({ u: last.updatedAt.getTime(), i: last.id })).toString('base64url');
        for (const tenantId of [owner, other]) {
          const page = await store.list(tenantId, { pageSize: 10, pageToken: legacy });
          expect(page.conversations.map((conversation) => conversation.title)).toEqual(tenantId === owner ? ['first'] : ['not yours']);
        }
      });

      it('refuses tampered and truncated tokens without echoing them', async () => {
        const tenantId = tenant();
        for (let index = 0; index < 3; index += 1) await store.create({ tenantId, title: `c${index}`, messages: [user('x')] });
        const token = (await store.list(tenantId, { pageSize: 1 })).nextPageToken!;
        const fields = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
        const reencode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        const broken = [
          token.slice(0, -3),
          token.slice(0, token.length >> 1),
          `${token}!`,
          reencode({ ...fields, o: 42 }),
          reencode({ ...fields, o: 'someone-else' }),
          reencode({ ...fields, u: -5 }),
          reencode({ ...fields, u: 9e15 }),
          reencode({ ...fields, i: { $gt: '' } }),
          reencode({ ...fields, c: fields.u }),
          `${token}${'A'.repeat(200)}`,
        ];
        for (const pageToken of broken) {
          const error = await store.list(tenantId, { pageSize: 10, pageToken }).then(() => undefined, (caught: unknown) => caught);
          expect(HostError.isInstance(error) && error.code, pageToken).toBe('HOST_INVALID_ARGUMENT');
          expect((error as HostError).meta).toEqual({ argument: 'page_token' });
          expect((error as HostError).message).toMatch(/list again without page_token/);
          expect((error as HostError).message).not.toContain(pageToken);
        }
      });

      it('filters by user id', async () => {
        const tenantId = tenant();
        const session = (userId: string): SessionIdentity => ({ platform: 'telegram', chatId: 'group', userId });
        const mine = await store.create({ tenantId, title: 'mine', session: session('alice'), messages: [user('a')] });
        await store.create({ tenantId, title: 'theirs', session: session('bob'), messages: [user('b')] });
        const page = await store.list(tenantId, { pageSize: 10, userId: 'alice' });
        expect(page.conversations.map((conversation) => conversation.id)).toEqual([mine.id]);
      });

      it('rejects malformed page tokens and page sizes as invalid arguments', async () => {
        const tenantId = tenant();
        const bad = [
          'garbage!',
          'bm90IGpzb24',
          Buffer.from('{"u":"x","i":"y"}').toString('base64url'),
          Buffer.from('{"u":1,"i":"not-an-id"}').toString('base64url'),
          Buffer.from('[1,2]').toString('base64url'),
          'A'.repeat(5000),
        ];
        for (const pageToken of bad) {
          await expectHostError(store.list(tenantId, { pageSize: 10, pageToken }), 'HOST_INVALID_ARGUMENT', { argument: 'page_token' });
        }
        for (const pageSize of [0, -1, 1.5, 100_000]) {
          await expectHostError(store.list(tenantId, { pageSize }), 'HOST_INVALID_ARGUMENT', { argument: 'page_size' });
        }
      });
    });

    describe('sessions', () => {
      it('finds the newest conversation of a session updated within the window', async () => {
        const tenantId = tenant();
        const session: SessionIdentity = { platform: 'telegram', userId: '42', chatId: '-100' };
        const old = await store.create({ tenantId, title: 'old', session, messages: [user('1')] });
        clock.advance(45 * MINUTE);
        const recent = await store.create({ tenantId, title: 'recent', session, messages: [user('2')] });
        await store.create({ tenantId, title: 'other user', session: { ...session, userId: '43' }, messages: [user('3')] });
        await store.create({ tenantId, title: 'other chat', session: { ...session, chatId: '-101' }, messages: [user('4')] });
        await store.create({ tenantId, title: 'other platform', session: { ...session, platform: 'web' }, messages: [user('5')] });
        await store.create({ tenantId, title: 'no session', messages: [user('6')] });

        const since = new Date(clock.peek().getTime() - 30 * MINUTE);
        expect((await store.findLatestForSession(tenantId, session, since))?.id).toBe(recent.id);
        expect((await store.findLatestForSession(tenantId, session, new Date(0)))?.id).toBe(recent.id);

        // An append makes the old conversation the newest again.
        await store.append(tenantId, old.id, [user('back')]);
        expect((await store.findLatestForSession(tenantId, session, since))?.id).toBe(old.id);

        clock.advance(31 * MINUTE);
        const expired = new Date(clock.peek().getTime() - 30 * MINUTE);
        expect(await store.findLatestForSession(tenantId, session, expired)).toBeUndefined();
      });

      it('does not confuse sessions whose parts contain separators', async () => {
        const tenantId = tenant();
        const first: SessionIdentity = { platform: 'a:b', userId: 'c', chatId: 'd' };
        const second: SessionIdentity = { platform: 'a', userId: 'c', chatId: 'b:d' };
        const created = await store.create({ tenantId, title: 't', session: first, messages: [] });
        expect((await store.findLatestForSession(tenantId, first, new Date(0)))?.id).toBe(created.id);
        expect(await store.findLatestForSession(tenantId, second, new Date(0))).toBeUndefined();
      });
    });

    describe('provenance', () => {
      it('finds the conversations that ran a plugin, optionally a specific version, newest use first', async () => {
        const tenantId = tenant();
        const oldWeather = await store.create({
          tenantId,
          title: 'old weather',
          messages: [user('w'), assistant('sunny', [toolCall('weather', '1.1.0')])],
        });
        const newWeather = await store.create({ tenantId, title: 'new weather', messages: [user('w')] });
        await store.append(tenantId, newWeather.id, [assistant('rain', [toolCall('weather', '1.2.0'), toolCall('datetime', '1.0.0', 'now')])]);
        await store.create({ tenantId, title: 'no tools', messages: [user('hi'), assistant('hello')] });

        const anyVersion = await store.findByToolProvenance(tenantId, 'weather');
        expect(anyVersion.map((conversation) => conversation.id)).toEqual([newWeather.id, oldWeather.id]);
        const exact = await store.findByToolProvenance(tenantId, 'weather', '1.2.0');
        expect(exact.map((conversation) => conversation.id)).toEqual([newWeather.id]);
        expect(exact[0]).toMatchObject({ title: 'new weather', tenantId });
        expect(await store.findByToolProvenance(tenantId, 'weather', '3.0.0')).toEqual([]);
        expect((await store.findByToolProvenance(tenantId, 'weather', undefined, 1)).map((conversation) => conversation.id)).toEqual([
          newWeather.id,
        ]);
        expect((await store.findByToolProvenance(tenantId, 'datetime')).map((conversation) => conversation.id)).toEqual([newWeather.id]);
      });
    });

    describe('title and summary', () => {
      it('updates the title and stores a summary', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 'Untitled conversation', messages: [user('1'), assistant('2')] });
        await store.setTitle(tenantId, created.id, 'Weather in Lisbon ☀️');
        const summaryAt = clock.now();
        await store.setSummary(tenantId, created.id, { content: 'They talked about weather.', coversThroughIndex: 1, createdAt: summaryAt });
        const loaded = await store.get(tenantId, created.id);
        expect(loaded?.title).toBe('Weather in Lisbon ☀️');
        expect(loaded?.summary).toEqual({ content: 'They talked about weather.', coversThroughIndex: 1, createdAt: summaryAt });
        expect((await store.list(tenantId, { pageSize: 1 })).conversations[0]?.title).toBe('Weather in Lisbon ☀️');
      });

      it('does not lose a title written while turns are appended', async () => {
        const tenantId = tenant();
        const created = await store.create({ tenantId, title: 'Untitled conversation', messages: [user('1')] });
        await Promise.all([
          store.append(tenantId, created.id, [assistant('2')]),
          store.setTitle(tenantId, created.id, 'Named'),
          store.append(tenantId, created.id, [user('3')]),
        ]);
        const loaded = await store.get(tenantId, created.id);
        expect(loaded?.title).toBe('Named');
        expect(loaded?.messageCount).toBe(3);
      });

      it('reports an unknown conversation when setting a title', async () => {
        await expectHostError(store.setTitle(tenant(), 'ffffffffffffffffffffffff', 'x'), 'HOST_CONVERSATION_NOT_FOUND');
        await expectHostError(store.setTitle(tenant(), 'not-an-id', 'x'), 'HOST_CONVERSATION_NOT_FOUND');
      });
    });

    describe('durability and health', () => {
      it('keeps everything across a restart (close and reopen)', async () => {
        const tenantId = tenant();
        const first = await factory.open(clock.now);
        const created = await first.create({ tenantId, title: 'durable', messages: [user('1'), assistant('2')] });
        await first.append(tenantId, created.id, [user('3')]);
        await first.setTitle(tenantId, created.id, 'still here');
        await first.close();

        const reopened = await factory.open(clock.now);
        opened.push(reopened);
        const loaded = await reopened.get(tenantId, created.id);
        expect(loaded?.title).toBe('still here');
        expect(loaded?.messages.map((message) => message.content)).toEqual(['1', '2', '3']);
        expect(await reopened.append(tenantId, created.id, [assistant('4')])).toEqual({ version: 3 });
      });

      it('answers ping and re-runs init idempotently', async () => {
        await store.ping();
        await store.init();
        await store.ping();
      });
    });
  });
}
