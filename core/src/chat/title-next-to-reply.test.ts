import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import { HostError } from '../errors/index.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createChatStepDeps, type ChatStepDeps } from './chat-deps.js';
import { callerFor, noSessions, recordingCaller, useTemporaryStore } from './testing/chat-test-parts.js';
import { createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text, type ScriptedAnswer, type ScriptedAnswers } from './testing/scripted-model-client.js';
import { startTitleNextToReply } from './title-next-to-reply.js';
import { titleCacheKey } from './title-generator.js';

const clock = { now: () => new Date('2026-03-01T12:00:00Z'), timeZone: 'UTC' };
const FIRST_MESSAGE = 'what is the weather in paris tomorrow?';
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));
let cache: MemoryKeyValueStore;

beforeEach(() => {
  cache = new MemoryKeyValueStore();
});

function stepDeps(title: ScriptedAnswers, titleGraceMs = 1_500): ChatStepDeps {
  const model = createScriptedModel({ title });
  return createChatStepDeps({ store, sessions: noSessions, model, tools: createFixtureTools([]), cache, clock, options: { titleGraceMs } });
}

/** A title answer held back until `release` is called. */
function heldTitle(content: string): { answer: Promise<ScriptedAnswer>; release: () => void } {
  let release!: () => void;
  const answer = new Promise<ScriptedAnswer>((resolve) => (release = () => resolve(text(content))));
  return { answer, release };
}

async function storedConversation(title: string): Promise<string> {
  const created = await store.create({ tenantId: 'default', title, messages: [{ role: 'user', content: FIRST_MESSAGE }] });
  return created.id;
}

// Every step of a late title runs on promises alone, so one macrotask lets all of it happen.
const settleMicrotasks = () => new Promise((resolve) => setImmediate(resolve));

describe('startTitleNextToReply', () => {
  it('settles on the generated title when it is ready, and has nothing to replace', async () => {
    const deps = stepDeps([text('"Paris weather tomorrow."')]);
    const title = startTitleNextToReply(deps, callerFor(), FIRST_MESSAGE);
    expect(await title.settle()).toBe('Paris Weather Tomorrow');
    const id = await storedConversation('Paris Weather Tomorrow');
    await title.replaceFallback(id);
    expect((await store.get('default', id))!.title).toBe('Paris Weather Tomorrow');
    expect(await cache.get(titleCacheKey(FIRST_MESSAGE))).toBe('Paris Weather Tomorrow');
  });

  it('falls back to a title from the message when generation fails, and never retries it', async () => {
    const deps = stepDeps([{ error: new HostError('HOST_MODEL_UNAVAILABLE', 'down') }]);
    const title = startTitleNextToReply(deps, callerFor(), FIRST_MESSAGE);
    expect(await title.settle()).toBe('What Is the Weather in Paris Tomorrow');
    const id = await storedConversation('What Is the Weather in Paris Tomorrow');
    await title.replaceFallback(id);
    expect((await store.get('default', id))!.title).toBe('What Is the Weather in Paris Tomorrow');
    expect(await cache.get(titleCacheKey(FIRST_MESSAGE))).toBeUndefined();
  });

  it('does not hold the reply back: after the grace it settles on the fallback and stores the late title once it comes', async () => {
    const held = heldTitle('Paris Forecast');
    const deps = stepDeps([held.answer], 0);
    const title = startTitleNextToReply(deps, callerFor(), FIRST_MESSAGE);
    const provisional = await title.settle();
    expect(provisional).toBe('What Is the Weather in Paris Tomorrow');
    const id = await storedConversation(provisional);
    const replaced = title.replaceFallback(id);
    held.release();
    await replaced;
    expect((await store.get('default', id))!.title).toBe('Paris Forecast');
  });

  it('stores the generated title even when it arrives while the conversation is being created', async () => {
    const held = heldTitle('Paris Forecast');
    const deps = stepDeps([held.answer], 0);
    const title = startTitleNextToReply(deps, callerFor(), FIRST_MESSAGE);
    const provisional = await title.settle();
    held.release();
    await settleMicrotasks();
    expect(await cache.get(titleCacheKey(FIRST_MESSAGE))).toBe('Paris Forecast');
    const id = await storedConversation(provisional);
    await title.replaceFallback(id);
    expect((await store.get('default', id))!.title).toBe('Paris Forecast');
  });

  it('logs a late title that cannot be stored instead of failing', async () => {
    const held = heldTitle('Paris Forecast');
    const deps = stepDeps([held.answer], 0);
    const { caller, lines } = recordingCaller();
    const title = startTitleNextToReply(deps, caller, FIRST_MESSAGE);
    await title.settle();
    held.release();
    // No such conversation: setTitle rejects with HOST_CONVERSATION_NOT_FOUND.
    await expect(title.replaceFallback('ffffffffffffffffffffffff')).resolves.toBeUndefined();
    expect(lines.filter((line) => line.level >= 40).map((line) => line.msg)).toEqual(['could not store the late title']);
  });

  it('asks the model only after the reply request could go out', async () => {
    const model = createScriptedModel({ title: [text('Later')] });
    const deps = createChatStepDeps({ store, sessions: noSessions, model, tools: createFixtureTools([]), cache, clock });
    const title = startTitleNextToReply(deps, callerFor(), FIRST_MESSAGE);
    expect(model.calls).toHaveLength(0);
    expect(await title.settle()).toBe('Later');
    expect(model.requests('title')).toHaveLength(1);
  });
});
