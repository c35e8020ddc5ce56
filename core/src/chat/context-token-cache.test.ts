import { describe, expect, it } from 'vitest';
import { createTokenCounter, MESSAGE_OVERHEAD_TOKENS, toolCallTokens, type ModelTool, type TokenCounter } from '../llm/index.js';
import type { StoredMessage } from '../storage/conversation-store.js';
import { toModelMessages } from './build-model-context.js';
import { ContextTokenCache } from './context-token-cache.js';
import { createSystemPrompts } from './system-prompts.js';

function countingCounter(): { counter: TokenCounter; textCalls: () => number } {
  const real = createTokenCounter('gpt-4o-mini');
  let calls = 0;
  const counter: TokenCounter = {
    ...real,
    countText: (text) => {
      calls += 1;
      return real.countText(text);
    },
    countMessage: (message) => {
      calls += 1;
      return real.countMessage(message);
    },
  };
  return { counter, textCalls: () => calls };
}

const tools: ModelTool[] = [
  { type: 'function', function: { name: 'weather__get_current_weather', description: 'Current weather for a place. Uses a provider.', parameters: { type: 'object' }, strict: true } },
  { type: 'function', function: { name: 'datetime__get_current_time', description: 'Current time in a zone.', parameters: { type: 'object' }, strict: true } },
];

describe('ContextTokenCache', () => {
  it('counts a rendered system prompt paragraph by paragraph exactly like the whole text', () => {
    const real = createTokenCounter('gpt-4o-mini');
    const cache = new ContextTokenCache(real);
    let minute = 0;
    const prompts = createSystemPrompts({ config: undefined, clock: { now: () => new Date(Date.UTC(2026, 0, 1, 10, minute)), timeZone: 'Europe/Madrid' } });
    for (minute = 0; minute < 5; minute += 1) {
      const content = prompts.render({ tenantId: 'acme', platform: 'api', tools }).content;
      expect(cache.systemMessageTokens(content)).toBe(MESSAGE_OVERHEAD_TOKENS + real.countText(content));
    }
  });

  it('tokenizes the repeated paragraphs of the system prompt once', () => {
    const { counter, textCalls } = countingCounter();
    const cache = new ContextTokenCache(counter);
    const prompt = (line: string) => `You are a helpful assistant.\n\n${line}\n\nTools you can call:\n- a\n- b`;
    cache.systemMessageTokens(prompt('Current date and time: 10:00'));
    const afterFirst = textCalls();
    cache.systemMessageTokens(prompt('Current date and time: 10:01'));
    // Only the changed date paragraph is tokenized again.
    expect(textCalls() - afterFirst).toBe(1);
  });

  it('counts the replay of a stored tool-calling turn once and reuses it', () => {
    const { counter, textCalls } = countingCounter();
    const cache = new ContextTokenCache(counter);
    const message: StoredMessage = {
      id: '665f00000000000000000001',
      role: 'assistant',
      content: 'It is sunny.',
      createdAt: new Date(0),
      toolCalls: [{ id: 'call_1', name: 'weather__get_current_weather', arguments: '{"location":"Paris"}', result: 'Sunny, 21 °C', outcome: 'ok', durationMs: 4 }],
    };
    const replayed = toModelMessages(message);
    const first = cache.replayTokens(message, replayed);
    const calls = textCalls();
    expect(cache.replayTokens(message, replayed)).toBe(first);
    expect(textCalls()).toBe(calls);
    expect(first).toEqual(replayed.map((modelMessage) => createTokenCounter('gpt-4o-mini').countMessage(modelMessage)));
  });

  it('takes the stored count of a replay\'s final text instead of tokenizing it again', () => {
    const { counter, textCalls } = countingCounter();
    const real = createTokenCounter('gpt-4o-mini');
    const cache = new ContextTokenCache(counter);
    const base = {
      role: 'assistant' as const,
      content: 'It is sunny in Paris today.',
      createdAt: new Date(0),
      toolCalls: [{ id: 'call_1', name: 'weather__get_current_weather', arguments: '{"location":"Paris"}', result: 'Sunny, 21 °C', outcome: 'ok' as const, durationMs: 4 }],
    };
    const counted = cache.replayTokens({ ...base, id: '665f00000000000000000001' }, toModelMessages({ ...base, id: '665f00000000000000000001' }));
    const countingCalls = textCalls();
    const withStored: StoredMessage = { ...base, id: '665f00000000000000000002', tokens: real.countText(base.content) };
    const before = textCalls();
    expect(cache.replayTokens(withStored, toModelMessages(withStored))).toEqual(counted);
    // The assistant message with the call and the result are counted; the final text is not.
    expect(textCalls() - before).toBe(countingCalls - 1);
  });

  it('replays a turn whose calls carry stored counts without tokenizing, with the counts a counter gives', () => {
    const { counter, textCalls } = countingCounter();
    const real = createTokenCounter('gpt-4o-mini');
    const cache = new ContextTokenCache(counter);
    const calls = [
      { id: 'call_1', name: 'weather__get_current_weather', arguments: '{"location":"Paris"}', result: 'Sunny, 21 °C', outcome: 'ok', durationMs: 4 },
      { id: 'call_2', name: 'datetime__get_current_time', arguments: '{}', result: '', outcome: 'ok', durationMs: 1 },
    ];
    const content = 'It is sunny in Paris, and noon.';
    const message: StoredMessage = {
      id: '665f00000000000000000003',
      role: 'assistant',
      content,
      createdAt: new Date(0),
      tokens: real.countText(content),
      toolCalls: calls.map((call) => ({ ...call, tokens: { call: toolCallTokens(real, call), result: real.countText(call.result) } })),
    };
    const replayed = toModelMessages(message);
    expect(cache.replayTokens(message, replayed)).toEqual(replayed.map((modelMessage) => real.countMessage(modelMessage)));
    expect(textCalls()).toBe(0);
  });

  it('counts (once) a turn stored before the counts were kept, or with a count that is missing or not a count', () => {
    const real = createTokenCounter('gpt-4o-mini');
    const call = { id: 'call_1', name: 'weather__get_current_weather', arguments: '{"location":"Paris"}', result: 'Sunny', outcome: 'ok', durationMs: 4 };
    const base = { role: 'assistant' as const, content: 'Sunny.', createdAt: new Date(0), tokens: real.countText('Sunny.') };
    const variants: StoredMessage[] = [
      { ...base, id: 'a', toolCalls: [call] },
      { ...base, id: 'b', toolCalls: [{ ...call, tokens: { call: -1, result: 2 } }] },
      { ...base, id: 'c', toolCalls: [{ ...call, tokens: { call: 3, result: 1.5 } }] },
      { ...base, id: 'd', toolCalls: [{ ...call, tokens: JSON.parse('{"call":"3","result":2}') as { call: number; result: number } }] },
      { role: 'assistant', content: base.content, createdAt: base.createdAt, id: 'e', toolCalls: [{ ...call, tokens: { call: 3, result: 2 } }] },
    ];
    for (const message of variants) {
      const { counter, textCalls } = countingCounter();
      const cache = new ContextTokenCache(counter);
      const replayed = toModelMessages(message);
      expect(cache.replayTokens(message, replayed), message.id).toEqual(replayed.map((modelMessage) => real.countMessage(modelMessage)));
      expect(textCalls(), message.id).toBeGreaterThan(0);
      const counted = textCalls();
      cache.replayTokens(message, replayed);
      expect(textCalls(), message.id).toBe(counted);
    }
  });

  it('stays bounded and forgets the oldest entries first', () => {
    const real = createTokenCounter('gpt-4o-mini');
    const { counter, textCalls } = countingCounter();
    const cache = new ContextTokenCache(counter, { maxMessages: 2, maxSegments: 2 });
    const messages = [1, 2, 3].map((index): StoredMessage => ({ id: `id-${index}`, role: 'assistant', content: `answer ${index}`, createdAt: new Date(0), toolCalls: [] }));
    for (const message of messages) cache.replayTokens(message, toModelMessages(message));
    const before = textCalls();
    cache.replayTokens(messages[2]!, toModelMessages(messages[2]!));
    expect(textCalls()).toBe(before);
    cache.replayTokens(messages[0]!, toModelMessages(messages[0]!));
    expect(textCalls()).toBe(before + 1);
    expect(cache.systemMessageTokens('First.\n\nSecond.\n\nThird.')).toBe(MESSAGE_OVERHEAD_TOKENS + real.countText('First.\n\nSecond.\n\nThird.'));
  });
});
