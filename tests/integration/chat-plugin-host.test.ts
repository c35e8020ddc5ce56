import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../../core/src/cache/index.js';
import { createChatService, type ChatService } from '../../core/src/chat/index.js';
import { createModelClient } from '../../core/src/llm/index.js';
import type { EmbeddedConversationStore } from '../../core/src/storage/index.js';
import { startFakeOpenAI, textReply, toolCallsReply, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { callerFor, createTemporaryStore, noSessions } from './chat-test-support.js';
import { fixtureConfig, loadFixtureHost, type FixtureHost } from './plugin-host-support.js';

// The tool loop against the real plugin host (loader, registry, Ajv validation, policies) running the
// first-party datetime plugin.

const CHAT_MODEL = 'fake-chat';
const TITLE_MODEL = 'fake-title';
let fake: FakeOpenAIServer;
let fixture: FixtureHost;
let store: EmbeddedConversationStore;
let cleanupStore: () => Promise<void>;
let chat: ChatService;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fixture = await loadFixtureHost(fixtureConfig([{ name: 'datetime', package: '@acai/plugin-datetime', version: '^1.0.0' }]));
  ({ store, cleanup: cleanupStore } = await createTemporaryStore());
  chat = createChatService({
    store,
    sessions: noSessions,
    model: createModelClient({ apiKey: fake.apiKey, baseURL: fake.baseURL, model: CHAT_MODEL, titleModel: TITLE_MODEL, timeoutMs: 5_000, maxAttempts: 1 }),
    tools: fixture.host,
    cache: new MemoryKeyValueStore(),
    clock: { now: () => new Date('2026-03-01T12:00:00Z'), timeZone: 'UTC' },
  });
});
afterAll(async () => {
  await cleanupStore();
  await fixture.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.respondWith((body) => (body.model === TITLE_MODEL ? textReply('Date Maths') : textReply('Done.')));
});

describe('chat tool loop through the plugin host', () => {
  it('offers the host tool list and records provenance of a real plugin call', async () => {
    fake.enqueueFor(
      CHAT_MODEL,
      toolCallsReply([
        { id: 'call_days', name: 'datetime__days_between', arguments: { start_date: '2026-03-01', end_date: '2026-12-25', time_zone: null } },
      ]),
      textReply('299 days to go.'),
    );
    const result = await chat.startConversation(callerFor(), { message: 'How many days until Christmas?' });
    expect(result.reply).toBe('299 days to go.');

    const offered = fake.completionBodies(CHAT_MODEL)[0]!.tools!.map((tool) => tool.function.name);
    expect(offered).toEqual(fixture.host.listModelTools().map((tool) => tool.function.name));
    expect(offered).toContain('datetime__days_between');

    const info = fixture.host.listTools().find((tool) => tool.exposedName === 'datetime__days_between')!;
    expect(result.toolCalls).toEqual([
      expect.objectContaining({
        id: 'call_days',
        name: 'datetime__days_between',
        plugin: 'datetime',
        pluginVersion: info.pluginVersion,
        tool: 'days_between',
        schemaFingerprint: info.schemaFingerprint,
        outcome: 'ok',
      }),
    ]);
    expect(result.toolCalls[0]!.result).toContain('299 days');
    const stored = await chat.describeConversation(callerFor(), { conversationId: result.conversationId });
    expect(stored.messages[1]!.toolCalls![0]!.pluginVersion).toBe(info.pluginVersion);
    const provenance = await store.findByToolProvenance('default', 'datetime', info.pluginVersion);
    expect(provenance.map((conversation) => conversation.id)).toContain(result.conversationId);
  });

  it('returns the validator errors to the model and lets it correct the arguments', async () => {
    fake.enqueueFor(
      CHAT_MODEL,
      // end_date and time_zone left out mean "not given" (null); a number for end_date is an error to correct.
      toolCallsReply([{ id: 'call_bad', name: 'datetime__days_between', arguments: { start_date: '2026-01-01', end_date: 31 } }]),
      toolCallsReply([
        { id: 'call_good', name: 'datetime__days_between', arguments: { start_date: '2026-01-01', end_date: '2026-01-31', time_zone: null } },
      ]),
      textReply('30 days.'),
    );
    const result = await chat.startConversation(callerFor(), { message: 'Days in January?' });
    expect(result.toolCalls.map((call) => call.outcome)).toEqual(['invalid_input', 'ok']);
    const correction = String(fake.completionBodies(CHAT_MODEL)[1]!.messages.at(-1)!.content);
    expect(correction).toContain('INVALID_INPUT');
    expect(correction).toContain('/end_date: must be string,null');
    expect(correction).not.toContain('time_zone');
    expect(correction).toContain('corrections left');
    expect(result.reply).toBe('30 days.');
  });

  it('feeds a plugin input error (bad date) back instead of failing the request', async () => {
    fake.enqueueFor(
      CHAT_MODEL,
      toolCallsReply([
        { id: 'call_feb', name: 'datetime__days_between', arguments: { start_date: '2026-02-30', end_date: '2026-03-01', time_zone: null } },
      ]),
      textReply('That date does not exist.'),
    );
    const result = await chat.startConversation(callerFor(), { message: 'Days from Feb 30?' });
    expect(result.reply).toBe('That date does not exist.');
    expect(result.toolCalls[0]!.outcome).toBe('invalid_input');
  });
});
