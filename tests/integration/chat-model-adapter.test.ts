import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../../core/src/errors/index.js';
import { createModelClient, type ModelCallRecord, type ModelClient, type ModelClientOptions } from '../../core/src/llm/index.js';
import { errorReply, startFakeOpenAI, streamedTextReply, textReply, toolCallsReply, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { waitUntil } from '../support/timing.js';

const MODEL = 'fake-chat-model';
const TITLE_MODEL = 'fake-title-model';

let fake: FakeOpenAIServer;
let calls: ModelCallRecord[];

function client(overrides: Partial<ModelClientOptions> = {}): ModelClient {
  return createModelClient({
    apiKey: fake.apiKey,
    baseURL: fake.baseURL,
    model: MODEL,
    titleModel: TITLE_MODEL,
    timeoutMs: 5_000,
    maxAttempts: 3,
    random: () => 0,
    onCall: (record) => calls.push(record),
    ...overrides,
  });
}

function bounds(deadlineInMs = 10_000, signal: AbortSignal = new AbortController().signal) {
  return { signal, deadline: Date.now() + deadlineInMs };
}

async function failure(promise: Promise<unknown>): Promise<HostError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(HostError.isInstance(error)).toBe(true);
  return error as HostError;
}

const hello = [{ role: 'user' as const, content: 'Hello' }];

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  calls = [];
});

describe('model adapter against an OpenAI-compatible server', () => {
  it('sends the configured model with a bearer key and returns the text and usage', async () => {
    fake.enqueue(textReply('Hi there', { usage: { prompt_tokens: 11, completion_tokens: 3 } }));
    const completion = await client().complete({ purpose: 'reply', messages: hello }, bounds());
    expect(completion).toMatchObject({ content: 'Hi there', toolCalls: [], finishReason: 'stop', attempts: 1 });
    expect(completion.usage).toEqual({ promptTokens: 11, completionTokens: 3 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(fake.requests[0]!.body).toMatchObject({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }] });
    expect(calls).toEqual([
      expect.objectContaining({ purpose: 'reply', model: MODEL, outcome: 'ok', promptTokens: 11, completionTokens: 3, attempts: 1 }),
    ]);
  });

  it('uses the title model for titles and summaries', async () => {
    await client().complete({ purpose: 'title', messages: hello }, bounds());
    await client().complete({ purpose: 'summary', messages: hello }, bounds());
    expect(fake.completionBodies().map((body) => body.model)).toEqual([TITLE_MODEL, TITLE_MODEL]);
  });

  it('returns parallel tool calls and sends tool definitions with tool_choice', async () => {
    fake.enqueue(
      toolCallsReply([
        { id: 'call_1', name: 'weather__get_current', arguments: { location: 'Paris' } },
        { id: 'call_2', name: 'datetime__now', arguments: '{}' },
      ]),
    );
    const tool = {
      type: 'function' as const,
      function: { name: 'weather__get_current', description: 'Weather', parameters: { type: 'object', properties: {} } },
    };
    const completion = await client().complete({ purpose: 'reply', messages: hello, tools: [tool] }, bounds());
    expect(completion.finishReason).toBe('tool_calls');
    expect(completion.toolCalls).toEqual([
      { id: 'call_1', name: 'weather__get_current', arguments: '{"location":"Paris"}' },
      { id: 'call_2', name: 'datetime__now', arguments: '{}' },
    ]);
    expect(fake.requests[0]!.body).toMatchObject({ tools: [tool], tool_choice: 'auto' });
  });

  it('assembles streamed text, tool-call fragments and the usage chunk', async () => {
    const streaming = client({ stream: true });
    fake.enqueue(
      toolCallsReply([
        { id: 'call_a', name: 'first_tool', arguments: { city: 'Paris', days: 3 } },
        { id: 'call_b', name: 'second_tool', arguments: { zone: 'Europe/Madrid' } },
      ]),
      textReply('Streamed answer text', { usage: { prompt_tokens: 40, completion_tokens: 5 } }),
    );
    const first = await streaming.complete({ purpose: 'reply', messages: hello }, bounds());
    expect(first.toolCalls).toEqual([
      { id: 'call_a', name: 'first_tool', arguments: '{"city":"Paris","days":3}' },
      { id: 'call_b', name: 'second_tool', arguments: '{"zone":"Europe/Madrid"}' },
    ]);
    expect(first.finishReason).toBe('tool_calls');
    const second = await streaming.complete({ purpose: 'reply', messages: hello }, bounds());
    expect(second).toMatchObject({ content: 'Streamed answer text', finishReason: 'stop' });
    expect(second.usage).toEqual({ promptTokens: 40, completionTokens: 5 });
    expect(fake.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('retries a 429 honouring retry-after-ms, without stacking SDK retries', async () => {
    fake.enqueue(errorReply(429, { headers: { 'retry-after-ms': '5' } }), textReply('after rate limit'));
    const completion = await client().complete({ purpose: 'reply', messages: hello }, bounds());
    expect(completion).toMatchObject({ content: 'after rate limit', attempts: 2 });
    // One HTTP request per attempt of ours: nothing below the model client retried on its own.
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${fake.apiKey}`, `Bearer ${fake.apiKey}`]);
  });

  it('retries 500 and connection resets, then succeeds', async () => {
    fake.enqueue(errorReply(500), { type: 'reset' }, textReply('recovered'));
    const completion = await client().complete({ purpose: 'reply', messages: hello }, bounds());
    expect(completion).toMatchObject({ content: 'recovered', attempts: 3 });
    expect(fake.requests).toHaveLength(3);
  });

  it('gives up after the configured attempts with HOST_MODEL_UNAVAILABLE', async () => {
    fake.enqueue(errorReply(503), errorReply(502), errorReply(500), textReply('never reached'));
    const error = await failure(client().complete({ purpose: 'reply', messages: hello }, bounds()));
    expect(error.code).toBe('HOST_MODEL_UNAVAILABLE');
    expect(fake.requests).toHaveLength(3);
    expect(calls).toEqual([expect.objectContaining({ outcome: 'error', errorCode: 'HOST_MODEL_UNAVAILABLE', attempts: 3 })]);
  });

  it('does not retry a 400 and keeps upstream text out of the message', async () => {
    fake.enqueue(errorReply(400, { message: 'secret upstream detail sk-abc', code: 'invalid_value' }), textReply('never'));
    const error = await failure(client().complete({ purpose: 'reply', messages: hello }, bounds()));
    expect(error.code).toBe('HOST_MODEL_REJECTED');
    expect(error.message).not.toContain('secret upstream detail');
    expect(error.meta.upstream_status).toBe('400');
    expect(fake.requests).toHaveLength(1);
  });

  it('does not retry a wrong API key (401)', async () => {
    const wrongKey = client({ apiKey: 'sk-wrong' });
    const error = await failure(wrongKey.complete({ purpose: 'reply', messages: hello }, bounds()));
    // The host's own model key: failed_precondition for clients, named so the operator can act.
    expect(error.code).toBe('HOST_MODEL_CREDENTIALS_REJECTED');
    expect(fake.requests).toHaveLength(1);
  });

  it('honours x-should-retry: false on a 500', async () => {
    fake.enqueue(errorReply(500, { headers: { 'x-should-retry': 'false' } }), textReply('never'));
    const error = await failure(client().complete({ purpose: 'reply', messages: hello }, bounds()));
    expect(error.code).toBe('HOST_MODEL_REJECTED');
    expect(fake.requests).toHaveLength(1);
  });

  it('fails fast when the server asks for a longer wait than the retry cap allows', async () => {
    fake.enqueue(errorReply(429, { headers: { 'retry-after': '120' } }), textReply('never'));
    const error = await failure(client().complete({ purpose: 'reply', messages: hello }, bounds()));
    expect(error.code).toBe('HOST_MODEL_UNAVAILABLE');
    expect(fake.requests).toHaveLength(1);
  });

  it('treats an exhausted quota as not retryable', async () => {
    fake.enqueue(errorReply(429, { code: 'insufficient_quota', errorType: 'insufficient_quota' }), textReply('never'));
    const error = await failure(client().complete({ purpose: 'reply', messages: hello }, bounds()));
    expect(error.code).toBe('HOST_MODEL_UNAVAILABLE');
    expect(fake.requests).toHaveLength(1);
  });

  it('stops at the request deadline with HOST_DEADLINE_EXCEEDED when the model is slow', async () => {
    fake.enqueue(textReply('too late', { delayMs: 5_000 }));
    const error = await failure(client().complete({ purpose: 'reply', messages: hello }, bounds(600)));
    expect(error.code).toBe('HOST_DEADLINE_EXCEEDED');
    expect(fake.requests).toHaveLength(1);
  });

  it('retries an attempt that hit the per-attempt timeout while the deadline allows', async () => {
    // The first attempt waits out the per-attempt timeout; the second, answered at once, must beat it even
    // on a busy machine, so the timeout is well above a loopback round trip.
    fake.enqueue(textReply('slow', { delayMs: 5_000 }), textReply('fast'));
    const completion = await client({ timeoutMs: 1_500 }).complete({ purpose: 'reply', messages: hello }, bounds(10_000));
    expect(completion).toMatchObject({ content: 'fast', attempts: 2 });
  });

  it('does not start another attempt when the deadline is too close', async () => {
    fake.enqueue(errorReply(500, { delayMs: 600 }), textReply('never'));
    const error = await failure(
      client({ retry: { minAttemptMs: 1_000 } }).complete({ purpose: 'reply', messages: hello }, bounds(1_500)),
    );
    expect(error.code).toBe('HOST_DEADLINE_EXCEEDED');
    expect(fake.requests).toHaveLength(1);
  });

  it('maps a caller cancellation to HOST_CANCELED', async () => {
    fake.enqueue(textReply('slow', { delayMs: 5_000 }));
    const controller = new AbortController();
    const pending = client().complete({ purpose: 'reply', messages: hello }, bounds(10_000, controller.signal));
    // Cancel once the request is at the model, not after a guess of how long that takes: a request still on
    // its way when the test ends would reach the fake during the next test and take that test's reply.
    await waitUntil(() => fake.requests.length === 1, 'the request to reach the model');
    controller.abort();
    const error = await failure(pending);
    expect(error.code).toBe('HOST_CANCELED');
  });

  it('fails every call with HOST_MODEL_NOT_CONFIGURED naming the variables when no model is set', async () => {
    const unconfigured = createModelClient({ timeoutMs: 1_000, maxAttempts: 3 });
    expect(unconfigured.isConfigured).toBe(false);
    const error = await failure(unconfigured.complete({ purpose: 'reply', messages: hello }, bounds()));
    expect(error.code).toBe('HOST_MODEL_NOT_CONFIGURED');
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(error.message).toContain('OPENAI_BASE_URL');
    expect(error.message).toContain('OPENAI_MODEL');
    expect(fake.requests).toHaveLength(0);
  });

  it('corrects its token estimate with the prompt_tokens the API reports', async () => {
    const adapter = client();
    const raw = adapter.tokenCounter.countPrompt(hello);
    fake.enqueue(textReply('ok', { usage: { prompt_tokens: raw * 2, completion_tokens: 1 } }));
    await adapter.complete({ purpose: 'reply', messages: hello, estimatedPromptTokens: raw }, bounds());
    expect(adapter.tokenCounter.correctionRatio).toBeCloseTo(2, 5);
    expect(adapter.tokenCounter.corrected(100)).toBe(200);
  });

  it('sends prior tool calls and tool results in the OpenAI shape', async () => {
    await client().complete(
      {
        purpose: 'reply',
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: null, toolCalls: [{ id: 'call_9', name: 'weather_now', arguments: '{"city":"Oslo"}' }] },
          { role: 'tool', toolCallId: 'call_9', content: 'Sunny' },
          { role: 'assistant', content: 'It is sunny.' },
          { role: 'user', content: 'thanks' },
        ],
      },
      bounds(),
    );
    expect(fake.requests[0]!.body!.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'weather_now', arguments: '{"city":"Oslo"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_9', content: 'Sunny' },
      { role: 'assistant', content: 'It is sunny.' },
      { role: 'user', content: 'thanks' },
    ]);
  });
});

describe('fake OpenAI server validation', () => {
  it('rejects unpaired tool calls with the real 400 body (surfacing as HOST_MODEL_REJECTED)', async () => {
    const error = await failure(
      client().complete(
        {
          purpose: 'reply',
          messages: [
            { role: 'user', content: 'x' },
            { role: 'assistant', content: null, toolCalls: [{ id: 'call_x', name: 'a_tool', arguments: '{}' }] },
            { role: 'user', content: 'y' },
          ],
        },
        bounds(),
      ),
    );
    expect(error.code).toBe('HOST_MODEL_REJECTED');
    const cause = error.cause as { status?: number; message?: string };
    expect(cause.status).toBe(400);
    expect(cause.message).toContain('call_x');
  });

  it('rejects tool names that do not match the provider pattern', async () => {
    const error = await failure(
      client().complete(
        {
          purpose: 'reply',
          messages: hello,
          tools: [{ type: 'function', function: { name: 'weather.get', description: 'x', parameters: { type: 'object' } } }],
        },
        bounds(),
      ),
    );
    expect((error.cause as { param?: string }).param).toBe('tools[0].function.name');
  });
});

describe('model adapter streaming text deltas (onTextDelta)', () => {
  it('streams even when OPENAI_STREAM is off and hands out each chunk as it arrives, then the assembled answer', async () => {
    fake.enqueue(streamedTextReply(['Hel', 'lo, ', 'world'], { usage: { prompt_tokens: 9, completion_tokens: 3 } }));
    const deltas: string[] = [];
    const completion = await client({ stream: false }).complete(
      { purpose: 'reply', messages: hello },
      { ...bounds(), onTextDelta: (text) => void deltas.push(text) },
    );
    expect(deltas).toEqual(['Hel', 'lo, ', 'world']);
    expect(completion).toMatchObject({ content: 'Hello, world', toolCalls: [], finishReason: 'stop', attempts: 1 });
    expect(completion.usage).toEqual({ promptTokens: 9, completionTokens: 3 });
    expect(fake.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(calls).toEqual([expect.objectContaining({ outcome: 'ok', streamed: true })]);
  });

  it('assembles tool calls from fragments and hands out the text the model wrote before them', async () => {
    fake.enqueue(toolCallsReply([{ id: 'call_1', name: 'lookup', arguments: { q: 'x' } }], { content: 'Let me check.', chunks: ['Let me', ' check.'] }));
    const deltas: string[] = [];
    const completion = await client().complete({ purpose: 'reply', messages: hello }, { ...bounds(), onTextDelta: (text) => void deltas.push(text) });
    expect(deltas).toEqual(['Let me', ' check.']);
    expect(completion).toMatchObject({ content: 'Let me check.', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' }], finishReason: 'tool_calls' });
  });

  it('waits for a slow consumer before reading further chunks', async () => {
    fake.enqueue(streamedTextReply(['a', 'b', 'c']));
    const seen: string[] = [];
    let release: () => void = () => {};
    const consumed = new Promise<void>((resolve) => (release = resolve));
    const pending = client().complete(
      { purpose: 'reply', messages: hello },
      {
        ...bounds(),
        onTextDelta: (text) => {
          seen.push(text);
          return text === 'a' ? consumed : undefined;
        },
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual(['a']);
    release();
    expect((await pending).content).toBe('abc');
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('treats a stream that ends without a finish reason as incomplete and retries it (OPENAI_STREAM without deltas too)', async () => {
    fake.enqueue(streamedTextReply(['trunc', 'ated', '!'], { breakAfterChunks: 2 }), textReply('whole answer'));
    const completion = await client({ stream: true }).complete({ purpose: 'reply', messages: hello }, bounds());
    expect(completion).toMatchObject({ content: 'whole answer', attempts: 2 });
  });

  it('retries a stream that broke before any text was handed out', async () => {
    fake.enqueue(streamedTextReply(['x', 'y'], { breakAfterChunks: 0 }), streamedTextReply(['second ', 'try']));
    const deltas: string[] = [];
    const completion = await client().complete({ purpose: 'reply', messages: hello }, { ...bounds(), onTextDelta: (text) => void deltas.push(text) });
    expect(completion).toMatchObject({ content: 'second try', attempts: 2 });
    expect(deltas).toEqual(['second ', 'try']);
  });

  it('fails with HOST_MODEL_UNAVAILABLE instead of retrying once text was handed out, so the client never sees it twice', async () => {
    fake.enqueue(streamedTextReply(['The ', 'answer ', 'is'], { breakAfterChunks: 2 }), textReply('never requested'));
    const deltas: string[] = [];
    const error = await failure(client().complete({ purpose: 'reply', messages: hello }, { ...bounds(), onTextDelta: (text) => void deltas.push(text) }));
    expect(error.code).toBe('HOST_MODEL_UNAVAILABLE');
    expect(error.message).toMatch(/mid-stream/);
    expect(deltas).toEqual(['The ', 'answer ']);
    expect(fake.requests).toHaveLength(1);
  });

  // OPENAI_TIMEOUT_MS bounds the waits of a streamed attempt (its headers, each next chunk), not its length:
  // a long reply that keeps coming runs until the request deadline. Gaps here are an eighth of the timeout,
  // so even a busy machine cannot stretch one past it.
  it('lets a streamed reply that keeps coming run longer than the attempt timeout', async () => {
    const pieces = Array.from({ length: 12 }, (_, index) => `w${index} `);
    fake.enqueue(streamedTextReply(pieces, { chunkDelayMs: 250 }));
    const deltas: string[] = [];
    const startedAt = Date.now();
    const completion = await client({ timeoutMs: 2_000 }).complete(
      { purpose: 'reply', messages: hello },
      { ...bounds(30_000), onTextDelta: (text) => void deltas.push(text) },
    );
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2_000); // longer than one attempt timeout in total
    expect(completion).toMatchObject({ content: pieces.join(''), attempts: 1 });
    expect(deltas).toEqual(pieces);
  });

  it('times out a stream that goes silent for longer than the attempt timeout, and retries it while no text was handed out', async () => {
    fake.enqueue(streamedTextReply(['never ', 'finished'], { pauseAfterChunks: 1, resume: new Promise(() => {}) }), textReply('second try'));
    const completion = await client({ timeoutMs: 1_000, stream: true }).complete({ purpose: 'reply', messages: hello }, bounds(30_000));
    expect(completion).toMatchObject({ content: 'second try', attempts: 2 });
    expect(await fake.requests[0]!.outcome).toBe('aborted');
  });

  it('ends a turn whose stream went silent after text was handed out with HOST_MODEL_UNAVAILABLE, not a retry', async () => {
    fake.enqueue(streamedTextReply(['half ', 'a reply'], { pauseAfterChunks: 1, resume: new Promise(() => {}) }), textReply('never requested'));
    const deltas: string[] = [];
    const error = await failure(
      client({ timeoutMs: 1_000 }).complete({ purpose: 'reply', messages: hello }, { ...bounds(30_000), onTextDelta: (text) => void deltas.push(text) }),
    );
    expect(error.code).toBe('HOST_MODEL_UNAVAILABLE');
    expect(deltas).toEqual(['half ']);
    expect(fake.requests).toHaveLength(1);
  });

  it('still ends a steady stream at the request deadline', async () => {
    const pieces = Array.from({ length: 40 }, (_, index) => `w${index} `);
    fake.enqueue(streamedTextReply(pieces, { chunkDelayMs: 100 }));
    const error = await failure(
      client({ timeoutMs: 2_000 }).complete({ purpose: 'reply', messages: hello }, { ...bounds(1_500), onTextDelta: () => {} }),
    );
    expect(['HOST_DEADLINE_EXCEEDED', 'HOST_MODEL_UNAVAILABLE']).toContain(error.code);
    expect(await fake.requests[0]!.outcome).toBe('aborted');
  });

  it('aborts the model request when the caller goes away mid-stream, reporting HOST_CANCELED', async () => {
    fake.enqueue(streamedTextReply(['one ', 'two ', 'three ', 'four'], { chunkDelayMs: 150 }));
    const controller = new AbortController();
    const error = await failure(
      client().complete(
        { purpose: 'reply', messages: hello },
        { ...bounds(10_000, controller.signal), onTextDelta: () => controller.abort(new Error('client left')) },
      ),
    );
    expect(error.code).toBe('HOST_CANCELED');
    expect(await fake.requests[0]!.outcome).toBe('aborted');
  });
});
