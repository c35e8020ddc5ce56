import { describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import type { Conversation, EmbeddedConversationStore } from '../storage/index.js';
import { createChatStepDeps } from './chat-deps.js';
import type { ChatServiceOptions } from './chat-service-options.js';
import { generateReply } from './generate-reply.js';
import { callerFor, noSessions, useTemporaryStore } from './testing/chat-test-parts.js';
import { createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text } from './testing/scripted-model-client.js';

const clock = { now: () => new Date('2026-03-01T12:00:00Z'), timeZone: 'UTC' };
// About 120 tokens: three turns of these overflow a 400-token budget next to the system prompt.
const LONG_ANSWER = 'alpha beta '.repeat(60).trim();
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));

function parts(options: Partial<ChatServiceOptions>) {
  const model = createScriptedModel({ reply: [text('The reply.')], summary: [text('SUMMARY OF FIRST TURNS')] });
  const deps = createChatStepDeps({ store, sessions: noSessions, model, tools: createFixtureTools([]), cache: new MemoryKeyValueStore(), clock, options });
  return { model, deps };
}

async function longConversation(): Promise<Conversation> {
  const created = await store.create({
    tenantId: 'default',
    title: 'Long',
    messages: ['first', 'second', 'third'].flatMap((content) => [
      { role: 'user' as const, content },
      { role: 'assistant' as const, content: LONG_ANSWER },
    ]),
  });
  return (await store.get('default', created.id, { recentMessages: 100 }))!;
}

describe('generateReply', () => {
  it('sends the newest history that fits the budget and the new message, never the oldest turn', async () => {
    const { model, deps } = parts({ contextTokenBudget: 400 });
    const conversation = await longConversation();
    const reply = await generateReply(deps, callerFor(), { message: 'fourth', platform: 'api', conversation });
    expect(reply.loop.reply).toBe('The reply.');
    const sent = model.requests('reply')[0]!.messages;
    expect(sent[0]!.role).toBe('system');
    expect(sent.at(-1)).toEqual({ role: 'user', content: 'fourth' });
    expect(sent.some((message) => message.content === 'first')).toBe(false);
    expect(model.requests('summary')).toEqual([]);
  });

  it('summarizes what fell out of the budget when enabled and sends the summary instead', async () => {
    const { model, deps } = parts({ contextTokenBudget: 400, summarize: true });
    const conversation = await longConversation();
    await generateReply(deps, callerFor(), { message: 'fourth', platform: 'api', conversation });
    expect(model.requests('summary')).toHaveLength(1);
    const sent = model.requests('reply')[0]!.messages;
    expect(String(sent[0]!.content)).toContain('SUMMARY OF FIRST TURNS');
    expect(sent.some((message) => message.content === 'first')).toBe(false);
    expect((await store.get('default', conversation.id))!.summary?.content).toBe('SUMMARY OF FIRST TURNS');
  });

  it('returns the prompt version and the token count stored with the user message', async () => {
    const { deps } = parts({});
    const reply = await generateReply(deps, callerFor(), { message: 'hello there', platform: 'api' });
    expect(reply.promptVersion).toMatch(/^sp-[0-9a-f]{12}$/);
    expect(reply.userMessageTokens).toBe(deps.model.tokenCounter.countText('hello there'));
  });
});
