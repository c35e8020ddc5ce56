import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { accumulateStream, IncompleteStreamError, type TextDelivery } from './accumulate-stream.js';

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type Delta = Chunk['choices'][number]['delta'];

function chunk(delta: Delta, finishReason: Chunk['choices'][number]['finish_reason'] = null): Chunk {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

const usageChunk: Chunk = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini-2024-07-18', choices: [], usage: { prompt_tokens: 20, completion_tokens: 4, total_tokens: 24 } };

async function* from(chunks: readonly Chunk[]): AsyncGenerator<Chunk> {
  for (const item of chunks) yield item;
}

describe('accumulateStream', () => {
  it('assembles the text, the finish reason, the usage chunk and the answering model', async () => {
    const result = await accumulateStream(from([chunk({ role: 'assistant', content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop'), usageChunk]), 'gpt-4o-mini', undefined);
    expect(result).toEqual({ content: 'Hello', toolCalls: [], finishReason: 'stop', usage: { promptTokens: 20, completionTokens: 4 }, model: 'gpt-4o-mini-2024-07-18' });
  });

  it('assembles tool calls from fragments in index order, whatever order they arrive in', async () => {
    const result = await accumulateStream(
      from([
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'datetime__now', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather__', arguments: '{"loc' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { name: 'get_forecast', arguments: 'ation":"Paris"}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
      'm',
      undefined,
    );
    expect(result.toolCalls).toEqual([
      { id: 'call_a', name: 'weather__get_forecast', arguments: '{"location":"Paris"}' },
      { id: 'call_b', name: 'datetime__now', arguments: '{}' },
    ]);
    expect(result.content).toBeNull();
  });

  it('hands out each piece of text as it arrives and waits for the consumer before reading on', async () => {
    const events: string[] = [];
    async function* chunks(): AsyncGenerator<Chunk> {
      events.push('read 1');
      yield chunk({ content: 'a' });
      events.push('read 2');
      yield chunk({ content: 'b' }, 'stop');
    }
    const delivery: TextDelivery = {
      hasDelivered: false,
      onTextDelta: async (text) => {
        events.push(`deliver ${text} start`);
        await new Promise((resolve) => setImmediate(resolve));
        events.push(`deliver ${text} end`);
      },
    };
    await accumulateStream(chunks(), 'm', delivery);
    expect(events).toEqual(['read 1', 'deliver a start', 'deliver a end', 'read 2', 'deliver b start', 'deliver b end']);
    expect(delivery.hasDelivered).toBe(true);
  });

  it('marks nothing delivered when the stream carried no text', async () => {
    const delivery: TextDelivery = { hasDelivered: false, onTextDelta: () => {} };
    await accumulateStream(from([chunk({ tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{}' } }] }, 'tool_calls')]), 'm', delivery);
    expect(delivery.hasDelivered).toBe(false);
  });

  it('treats a stream that ends without a finish reason as truncated, after handing out what it had', async () => {
    const delivered: string[] = [];
    const delivery: TextDelivery = { hasDelivered: false, onTextDelta: (text) => void delivered.push(text) };
    await expect(accumulateStream(from([chunk({ content: 'partial' })]), 'm', delivery)).rejects.toBeInstanceOf(IncompleteStreamError);
    expect(delivered).toEqual(['partial']);
    expect(delivery.hasDelivered).toBe(true);
    await expect(accumulateStream(from([]), 'm', undefined)).rejects.toBeInstanceOf(IncompleteStreamError);
  });

  it('passes on a failure of the consumer without reading further', async () => {
    let reads = 0;
    async function* chunks(): AsyncGenerator<Chunk> {
      for (;;) {
        reads += 1;
        yield chunk({ content: 'x' });
      }
    }
    const failure = new Error('client went away');
    await expect(accumulateStream(chunks(), 'm', { hasDelivered: false, onTextDelta: () => Promise.reject(failure) })).rejects.toBe(failure);
    expect(reads).toBe(1);
  });
});
