import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import { createModelClient, type ModelClient } from '../llm/index.js';
import { SessionResolver, sessionKey } from '../sessions/index.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createChatStepDeps, type ChatStepDeps } from './chat-deps.js';
import type { SessionDirectory } from './session-directory.js';
import { takeTurn } from './take-turn.js';
import { callerFor, recordingCaller, useTemporaryStore } from './testing/chat-test-parts.js';
import { createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text, type ScriptedModelClient } from './testing/scripted-model-client.js';

const clock = { now: () => new Date(), timeZone: 'UTC' };
const telegram = { platform: 'telegram', userId: '42', chatId: '1001' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));
let sessionValues: MemoryKeyValueStore;
let sessions: SessionResolver;
let model: ScriptedModelClient;

beforeEach(() => {
  sessionValues = new MemoryKeyValueStore();
  sessions = new SessionResolver({ keyValueStore: sessionValues, conversationStore: store, logger: pino({ level: 'silent' }) });
  let replies = 0;
  model = createScriptedModel({ reply: () => text(`reply ${(replies += 1)}`), title: () => text('Session Chat') });
});

function stepDeps(directory: SessionDirectory = sessions, client: ModelClient = model): ChatStepDeps {
  return createChatStepDeps({ store, sessions: directory, model: client, tools: createFixtureTools([]), cache: new MemoryKeyValueStore(), clock });
}

async function boundConversation(tenantId = 'default'): Promise<string | undefined> {
  const raw = await sessionValues.get(sessionKey(tenantId, telegram));
  return raw === undefined ? undefined : (JSON.parse(raw) as { conversation_id: string }).conversation_id;
}

describe('takeTurn', () => {
  describe('new conversation', () => {
    it('opens a conversation without touching sessions when none is given', async () => {
      const outcome = await takeTurn(stepDeps(), callerFor(), { kind: 'new-conversation' }, 'hello');
      expect(outcome).toMatchObject({ isNew: true, title: 'Session Chat', reply: 'reply 1' });
      expect(await boundConversation()).toBeUndefined();
    });

    it('binds the new conversation to its session, replacing the one the session had', async () => {
      const old = await takeTurn(stepDeps(), callerFor(), { kind: 'session-conversation', session: telegram }, 'old chat');
      const fresh = await takeTurn(stepDeps(), callerFor(), { kind: 'new-conversation', session: telegram }, 'new chat please');
      expect(fresh.conversationId).not.toBe(old.conversationId);
      expect(await boundConversation()).toBe(fresh.conversationId);
      expect((await store.get('default', fresh.conversationId))!.session).toEqual(telegram);
    });

    it('keeps the turn when the session cannot be bound (the store fallback finds it later)', async () => {
      const failingBind: SessionDirectory = {
        resolve: (tenantId, session) => sessions.resolve(tenantId, session),
        resolveOrCreate: (tenantId, session, create) => sessions.resolveOrCreate(tenantId, session, create),
        bind: () => Promise.reject(new Error('redis down')),
      };
      const { caller, lines } = recordingCaller();
      const outcome = await takeTurn(stepDeps(failingBind), caller, { kind: 'new-conversation', session: telegram }, 'hello');
      expect(await store.get('default', outcome.conversationId)).toBeDefined();
      expect(lines.map((line) => line.msg)).toContain('could not bind the session; the store fallback will find it');
    });
  });

  describe('known conversation', () => {
    it('continues the conversation with that id', async () => {
      const first = await takeTurn(stepDeps(), callerFor(), { kind: 'new-conversation' }, 'one');
      const second = await takeTurn(stepDeps(), callerFor(), { kind: 'known-conversation', conversationId: first.conversationId }, 'two');
      expect(second).toMatchObject({ isNew: false, conversationId: first.conversationId, reply: 'reply 2' });
      expect(second.title).toBeUndefined();
    });

    it('answers not found for another tenant\'s conversation, exactly like an unknown id, before asking the model', async () => {
      const theirs = await takeTurn(stepDeps(), callerFor('tenant-a'), { kind: 'new-conversation' }, 'mine');
      const callsBefore = model.calls.length;
      for (const conversationId of [theirs.conversationId, 'ffffffffffffffffffffffff']) {
        await expect(takeTurn(stepDeps(), callerFor('tenant-b'), { kind: 'known-conversation', conversationId }, 'yours?')).rejects.toMatchObject({
          code: 'HOST_CONVERSATION_NOT_FOUND',
          message: 'conversation not found',
        });
      }
      expect(model.calls).toHaveLength(callsBefore);
      expect((await store.get('tenant-a', theirs.conversationId))!.messages).toHaveLength(2);
    });
  });

  describe('session conversation', () => {
    it('opens one titled conversation for a session, binds it, and continues it on the next message', async () => {
      const first = await takeTurn(stepDeps(), callerFor(), { kind: 'session-conversation', session: telegram }, 'hello from telegram');
      expect(first).toMatchObject({ isNew: true, title: 'Session Chat' });
      expect(await boundConversation()).toBe(first.conversationId);
      const second = await takeTurn(stepDeps(), callerFor(), { kind: 'session-conversation', session: telegram }, 'second message');
      expect(second).toMatchObject({ isNew: false, conversationId: first.conversationId });
      const stored = await store.get('default', first.conversationId);
      expect(stored!.messages.map((message) => message.content)).toEqual(['hello from telegram', 'reply 1', 'second message', 'reply 2']);
      expect(model.requests('title')).toHaveLength(1);
    });

    it('opens one conversation when two first messages of a session arrive together', async () => {
      const [left, right] = await Promise.all([
        takeTurn(stepDeps(), callerFor(), { kind: 'session-conversation', session: telegram }, 'first A'),
        takeTurn(stepDeps(), callerFor(), { kind: 'session-conversation', session: telegram }, 'first B'),
      ]);
      expect(left.conversationId).toBe(right.conversationId);
      expect([left.isNew, right.isNew].sort()).toEqual([false, true]);
      expect((await store.get('default', left.conversationId))!.messages).toHaveLength(4);
      expect(model.requests('title')).toHaveLength(1);
    });

    it('recovers the session\'s conversation from the store when the binding is gone', async () => {
      const first = await takeTurn(stepDeps(), callerFor(), { kind: 'session-conversation', session: telegram }, 'remember me');
      await sessionValues.delete(sessionKey('default', telegram));
      const again = await takeTurn(stepDeps(), callerFor(), { kind: 'session-conversation', session: telegram }, 'still there?');
      expect(again).toMatchObject({ isNew: false, conversationId: first.conversationId });
    });

    it('opens and binds a new conversation when the session points at one that no longer exists', async () => {
      const missing = 'ffffffffffffffffffffffff';
      await sessions.bind('default', telegram, missing);
      const { caller, lines } = recordingCaller();
      const outcome = await takeTurn(stepDeps(), caller, { kind: 'session-conversation', session: telegram }, 'hello again');
      expect(outcome.isNew).toBe(true);
      expect(outcome.conversationId).not.toBe(missing);
      expect(await boundConversation()).toBe(outcome.conversationId);
      expect((await store.get('default', outcome.conversationId))!.session).toEqual(telegram);
      expect(lines.map((line) => line.msg)).toContain('session pointed at a missing conversation; starting a new one');
    });

    it('keeps the sessions of different tenants apart', async () => {
      const mine = await takeTurn(stepDeps(), callerFor('tenant-one'), { kind: 'session-conversation', session: telegram }, 'hi');
      const theirs = await takeTurn(stepDeps(), callerFor('tenant-two'), { kind: 'session-conversation', session: telegram }, 'hi');
      expect(theirs.conversationId).not.toBe(mine.conversationId);
      expect(await boundConversation('tenant-one')).toBe(mine.conversationId);
      expect(await boundConversation('tenant-two')).toBe(theirs.conversationId);
    });
  });

  it('fails with HOST_MODEL_NOT_CONFIGURED before looking anything up', async () => {
    const unconfigured = createModelClient({ timeoutMs: 1_000, maxAttempts: 1 });
    const untouchable: SessionDirectory = {
      resolve: () => Promise.reject(new Error('looked up')),
      resolveOrCreate: () => Promise.reject(new Error('looked up')),
      bind: () => Promise.reject(new Error('looked up')),
    };
    for (const target of [{ kind: 'new-conversation' }, { kind: 'session-conversation', session: telegram }, { kind: 'known-conversation', conversationId: 'ffffffffffffffffffffffff' }] as const) {
      await expect(takeTurn(stepDeps(untouchable, unconfigured), callerFor(), target, 'hello')).rejects.toMatchObject({
        code: 'HOST_MODEL_NOT_CONFIGURED',
      });
    }
    expect((await store.list('default', { pageSize: 10 })).conversations).toEqual([]);
  });
});
