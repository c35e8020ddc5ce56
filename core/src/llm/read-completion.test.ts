import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { EmptyChoicesError, readCompletion, toModelUsage } from './read-completion.js';

function response(overrides: Partial<OpenAI.Chat.Completions.ChatCompletion>): OpenAI.Chat.Completions.ChatCompletion {
  return { id: 'chatcmpl-1', object: 'chat.completion', created: 1_700_000_000, model: 'gpt-4o-mini-2024-07-18', choices: [], ...overrides };
}

describe('readCompletion', () => {
  it('reads the first choice, the usage and the model that answered', () => {
    const completion = readCompletion(
      response({
        choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: 'Hello', refusal: null } }],
        usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
      }),
      'gpt-4o-mini',
    );
    expect(completion).toEqual({ content: 'Hello', toolCalls: [], finishReason: 'stop', usage: { promptTokens: 12, completionTokens: 3 }, model: 'gpt-4o-mini-2024-07-18' });
  });

  it('keeps function tool calls with their raw arguments and skips other kinds', () => {
    const completion = readCompletion(
      response({
        choices: [
          {
            index: 0,
            finish_reason: 'tool_calls',
            logprobs: null,
            message: {
              role: 'assistant',
              content: null,
              refusal: null,
              tool_calls: [
                { id: 'call_1', type: 'function', function: { name: 'weather__get_forecast', arguments: '{"location":"Paris"}' } },
                { id: 'call_2', type: 'custom', custom: { name: 'free_text', input: 'x' } },
              ],
            },
          },
        ],
      }),
      'm',
    );
    expect(completion.toolCalls).toEqual([{ id: 'call_1', name: 'weather__get_forecast', arguments: '{"location":"Paris"}' }]);
    expect(completion.content).toBeNull();
    expect(completion.usage).toBeUndefined();
  });

  it('falls back to the requested model name when the answer names none', () => {
    const completion = readCompletion(response({ model: '', choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: 'x', refusal: null } }] }), 'local-model');
    expect(completion.model).toBe('local-model');
  });

  it('refuses an answer without choices as retryable malformed output', () => {
    expect(() => readCompletion(response({ choices: [] }), 'm')).toThrow(EmptyChoicesError);
  });
});

describe('toModelUsage', () => {
  it('reports missing counts as zero and a missing usage as undefined', () => {
    expect(toModelUsage(undefined)).toBeUndefined();
    expect(toModelUsage(null)).toBeUndefined();
    expect(toModelUsage({ prompt_tokens: 5 } as OpenAI.CompletionUsage)).toEqual({ promptTokens: 5, completionTokens: 0 });
  });
});
