import { describe, expect, it } from 'vitest';
import { createTokenCounter } from '../llm/index.js';
import type { StoredMessage, ToolCallRecord } from '../storage/conversation-store.js';
import { buildModelContext, OMITTED_TOOL_RESULT } from './build-model-context.js';

const counter = createTokenCounter('test-model');
let nextId = 0;
function stored(role: 'user' | 'assistant', content: string, toolCalls?: ToolCallRecord[]): StoredMessage {
  nextId += 1;
  return { id: String(nextId), role, content, createdAt: new Date(0), ...(toolCalls ? { toolCalls } : {}) };
}
function call(id: string, result: string): ToolCallRecord {
  return { id, name: 'weather_now', arguments: '{"city":"Oslo"}', result, outcome: 'ok', durationMs: 3 };
}

const history = [
  stored('user', 'first question'),
  stored('assistant', 'first answer', [call('call_1', 'long tool output '.repeat(200))]),
  stored('user', 'second question'),
  stored('assistant', 'second answer'),
];

function build(tokenBudget: number, extra: Partial<Parameters<typeof buildModelContext>[0]> = {}) {
  return buildModelContext({
    systemPrompt: 'system prompt',
    history,
    firstMessageIndex: 0,
    userMessage: 'current question',
    tools: [],
    tokenBudget,
    counter,
    ...extra,
  });
}

describe('buildModelContext', () => {
  it('replays stored turns once, with tool calls and results in OpenAI order', () => {
    const context = build(100_000);
    expect(context.messages.map((message) => message.role)).toEqual([
      'system', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'user',
    ]);
    expect(context.messages[2]).toEqual({
      role: 'assistant',
      content: null,
      toolCalls: [{ id: 'call_1', name: 'weather_now', arguments: '{"city":"Oslo"}' }],
    });
    expect(context.messages.at(-1)).toEqual({ role: 'user', content: 'current question' });
    expect(context.droppedMessages).toEqual([]);
  });

  it('omits old tool results before dropping turns', () => {
    const full = build(100_000);
    const context = build(full.rawPromptTokens - 50);
    expect(context.omittedToolResults).toBe(1);
    expect(context.droppedMessages).toEqual([]);
    expect(context.messages[3]).toEqual({ role: 'tool', toolCallId: 'call_1', content: OMITTED_TOOL_RESULT });
  });

  it('drops the oldest whole turns next and never the current message', () => {
    const context = build(60);
    expect(context.droppedMessages.map((entry) => entry.index)).toEqual([0, 1]);
    expect(context.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    const tiny = build(1);
    expect(tiny.messages).toEqual([
      { role: 'system', content: 'system prompt' },
      { role: 'user', content: 'current question' },
    ]);
  });

  it('sends the summary in place of the turns it covers', () => {
    const context = build(100_000, {
      summary: { content: 'They talked about Oslo weather.', coversThroughIndex: 1, createdAt: new Date(0) },
    });
    expect(context.messages[0]!.content).toContain('They talked about Oslo weather.');
    expect(context.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it('indexes a partial history window from firstMessageIndex', () => {
    const context = build(60, { history: history.slice(2), firstMessageIndex: 998 });
    expect(context.droppedMessages.map((entry) => entry.index)).toEqual([]);
    const smaller = build(25, { history: history.slice(2), firstMessageIndex: 998 });
    expect(smaller.droppedMessages.map((entry) => entry.index)).toEqual([998, 999]);
  });
});
