// ContinueChatStream on the real host (MongoDB-wire store, Redis, the datetime and testbed plugins, the
// fake model streaming in the real wire format), over real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installShutdown } from '../../core/src/health/index.js';
import { fixtureConfig, testbedState } from '../integration/plugin-host-support.js';
import { errorReply, startFakeOpenAI, streamedTextReply, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { waitUntil } from '../support/timing.js';
import { bearer, CHAT_MODEL, fakeModelEnv, sharedServicesEnv, startTestHost, TITLE_MODEL, twirpJson, type RunningTestHost } from './host-support.js';
import { eventsNamed, openRawStream, STREAM_PATH, streamChat } from './stream-support.js';

const KEY_A = 'acai_stream_tenant_a_key_0123456789abcd';
const KEY_B = 'acai_stream_tenant_b_key_0123456789abcd';
const KEY_OPS = 'acai_stream_operator_key_0123456789abc';
const MAX_BODY_BYTES = 64 * 1024;

let fake: FakeOpenAIServer;
let host: RunningTestHost;

/** The scripted model: "time" calls datetime, "forever" calls testbed's never-ending tool, otherwise it echoes in chunks. */
function streamingAssistant(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Streaming Test' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return streamedTextReply(['The tool ', 'said: ', String(last.content).slice(0, 80)]);
  const text = typeof last?.content === 'string' ? last.content : '';
  if (/\btime\b/i.test(text)) return { type: 'tool_calls', calls: [{ name: 'datetime__get_current_time', arguments: { time_zone: 'Europe/Madrid' } }] };
  if (/\bforever\b/i.test(text)) return { type: 'tool_calls', calls: [{ name: 'testbed__wait_forever', arguments: {} }] };
  return streamedTextReply(['echo', ': ', text]);
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(streamingAssistant);
  host = await startTestHost(
    {
      ...fakeModelEnv(fake),
      ...sharedServicesEnv('e2e_stream'),
      ACAI_API_KEYS: `${KEY_A}:tenant-a:chat,${KEY_B}:tenant-b:chat,${KEY_OPS}:ops:metrics`,
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_BURST: '100000',
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    },
    {
      pluginsConfig: fixtureConfig([
        { name: 'datetime', package: '@acai/plugin-datetime', version: '^1.0.0' },
        { name: 'testbed', path: './testbed', mode: 'inline', policy: { timeoutMs: 60_000 } },
      ]),
    },
  );
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
});

async function describeConversation(id: string, key = KEY_A) {
  return twirpJson(host.url, 'DescribeConversation', { conversation_id: id }, bearer(key));
}

describe('ContinueChatStream: a streamed turn', () => {
  let conversationId = '';

  it('starts a conversation: conversation first, the tool call with provenance, text deltas, then the stored message', async () => {
    const exchange = await streamChat(host.url, { message: 'What time is it in Madrid?' }, bearer(KEY_A));
    expect(exchange.status).toBe(200);
    expect(exchange.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(exchange.headers.get('cache-control')).toBe('no-cache');
    expect(exchange.headers.get('x-accel-buffering')).toBe('no');
    expect(exchange.events.map((event) => event.event)).toEqual([
      'conversation',
      'tool_call_started',
      'tool_call_finished',
      'delta',
      'delta',
      'delta',
      'message',
    ]);
    const [conversation] = eventsNamed(exchange, 'conversation');
    expect(conversation).toEqual({ conversation_id: expect.stringMatching(/^[0-9a-f]{24}$/), is_new: true });
    conversationId = conversation!.conversation_id;
    const [started] = eventsNamed(exchange, 'tool_call_started');
    expect(started).toEqual({
      id: expect.any(String),
      name: 'datetime__get_current_time',
      plugin: 'datetime',
      plugin_version: '1.0.0',
      arguments: '{"time_zone":"Europe/Madrid"}',
    });
    const [finished] = eventsNamed(exchange, 'tool_call_finished');
    expect(finished).toMatchObject({ id: started!.id, name: started!.name, plugin: 'datetime', plugin_version: '1.0.0', outcome: 'ok' });
    expect(finished!.result).toContain('Europe/Madrid');
    expect(finished!.duration_ms).toBeGreaterThanOrEqual(0);

    const [message] = eventsNamed(exchange, 'message');
    const streamedText = eventsNamed(exchange, 'delta').map((delta) => delta.text).join('');
    expect(message!.reply).toBe(streamedText);
    expect(message).toMatchObject({ conversation_id: conversationId, title: 'Streaming Test' });
    expect(message!.tool_calls).toEqual([
      expect.objectContaining({ id: started!.id, name: 'datetime__get_current_time', plugin: 'datetime', outcome: 'ok', result: finished!.result }),
    ]);

    // The message id and the tool result are what DescribeConversation returns for the stored turn.
    const described = await describeConversation(conversationId);
    const stored = described.body.conversation.messages as Array<Record<string, any>>;
    expect(stored.map((entry) => [entry.role, entry.content])).toEqual([
      ['USER', 'What time is it in Madrid?'],
      ['ASSISTANT', message!.reply],
    ]);
    expect(stored[1]!.id).toBe(message!.message_id);
    expect(stored[1]!.tool_calls).toEqual(message!.tool_calls);
  });

  it('continues by id without a title, and by session like ContinueConversation', async () => {
    const next = await streamChat(host.url, { conversation_id: conversationId, message: 'hello again' }, bearer(KEY_A));
    expect(eventsNamed(next, 'conversation')).toEqual([{ conversation_id: conversationId, is_new: false }]);
    const [message] = eventsNamed(next, 'message');
    expect(message).toEqual({ conversation_id: conversationId, message_id: expect.stringMatching(/^[0-9a-f]{24}$/), reply: 'echo: hello again', tool_calls: [] });

    const session = { platform: 'web', user_id: 'u-1', chat_id: 'c-1' };
    const first = await streamChat(host.url, { message: 'first', session_metadata: session }, bearer(KEY_A));
    const second = await streamChat(host.url, { message: 'second', session_metadata: session }, bearer(KEY_A));
    const [opened] = eventsNamed(first, 'conversation');
    expect(opened!.is_new).toBe(true);
    expect(eventsNamed(second, 'conversation')).toEqual([{ conversation_id: opened!.conversation_id, is_new: false }]);
    const described = await describeConversation(opened!.conversation_id);
    expect(described.body.conversation.messages.map((entry: { content: string }) => entry.content)).toEqual(['first', 'echo: first', 'second', 'echo: second']);
  });

  it('streams when the client sends no Accept header, or a wildcard', async () => {
    for (const accept of [undefined, '*/*', 'text/*', 'application/json;q=0.5, text/event-stream']) {
      const response = await fetch(`${host.url}${STREAM_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(KEY_A), ...(accept ? { accept } : {}) },
        body: JSON.stringify({ message: 'plain' }),
      });
      expect(response.headers.get('content-type'), String(accept)).toBe('text/event-stream; charset=utf-8');
      expect(await response.text()).toMatch(/^event: conversation\n/);
    }
  });
});

describe('ContinueChatStream: failures known before the stream are Twirp JSON errors', () => {
  const absent = 'ffffffffffffffffffffffff';
  it.each([
    ['no API key', { message: 'hi' }, {}, 401, 'unauthenticated'],
    ['malformed JSON', '{"message": "hi"', bearer(KEY_A), 400, 'malformed'],
    ['a JSON array', '["hi"]', bearer(KEY_A), 400, 'malformed'],
    ['a wrong field type', { message: 42 }, bearer(KEY_A), 400, 'malformed'],
    ['an empty message', { message: '   ' }, bearer(KEY_A), 400, 'invalid_argument'],
    ['an oversized message', { message: 'x'.repeat(40 * 1024) }, bearer(KEY_A), 400, 'invalid_argument'],
    ['an oversized body', { message: 'x'.repeat(MAX_BODY_BYTES + 10) }, bearer(KEY_A), 400, 'invalid_argument'],
    // Malformed ids are not found, as in the old service (old clients forget such an id).
    ['a malformed conversation id', { conversation_id: '../../etc', message: 'hi' }, bearer(KEY_A), 404, 'not_found'],
    ['a malformed id next to session metadata', { conversation_id: 'not-an-object-id', message: 'hi', session_metadata: { platform: 'web', user_id: 'u', chat_id: 'c' } }, bearer(KEY_A), 404, 'not_found'],
    ['a unicode conversation id', { conversation_id: 'ｆ'.repeat(24), message: 'hi' }, bearer(KEY_A), 404, 'not_found'],
    ['an oversized conversation id', { conversation_id: 'f'.repeat(32 * 1024), message: 'hi' }, bearer(KEY_A), 404, 'not_found'],
    ['incomplete session metadata', { message: 'hi', session_metadata: { platform: 'web' } }, bearer(KEY_A), 400, 'invalid_argument'],
    ['an unknown conversation', { conversation_id: absent, message: 'hi' }, bearer(KEY_A), 404, 'not_found'],
    ['a wrong content type', { message: 'hi' }, { ...bearer(KEY_A), 'content-type': 'text/plain' }, 404, 'bad_route'],
    ['an Accept header that rules out event streams', { message: 'hi' }, { ...bearer(KEY_A), accept: 'application/json' }, 400, 'invalid_argument'],
    ['Accept with text/event-stream at q=0', { message: 'hi' }, { ...bearer(KEY_A), accept: 'text/event-stream;q=0' }, 400, 'invalid_argument'],
  ] as const)('%s → %i %s', async (_label, body, headers, status, code) => {
    const before = (await twirpJson(host.url, 'ListConversations', { page_size: 100 }, bearer(KEY_A))).body.conversations?.length ?? 0;
    const exchange = await streamChat(host.url, body, headers);
    expect(exchange.status).toBe(status);
    // Clients tell an error answer from a stream by the media type.
    expect(exchange.headers.get('content-type')).toMatch(/^application\/json(;|$)/);
    expect(exchange.error?.code).toBe(code);
    expect(exchange.error?.msg).not.toMatch(/at .*\.ts|Error:/);
    const after = (await twirpJson(host.url, 'ListConversations', { page_size: 100 }, bearer(KEY_A))).body.conversations?.length ?? 0;
    expect(after).toBe(before);
  });

  it("treats another tenant's conversation as not found and leaves it untouched", async () => {
    const mine = eventsNamed(await streamChat(host.url, { message: 'private' }, bearer(KEY_A)), 'conversation')[0]!.conversation_id;
    const exchange = await streamChat(host.url, { conversation_id: mine, message: 'let me in' }, bearer(KEY_B));
    expect(exchange.status).toBe(404);
    expect(exchange.error?.code).toBe('not_found');
    expect((await describeConversation(mine)).body.conversation.messages).toHaveLength(2);
  });

  it('answers other methods than POST with bad_route', async () => {
    const response = await fetch(`${host.url}${STREAM_PATH}`, { headers: bearer(KEY_A) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'bad_route', msg: 'unsupported method "GET" (only POST is allowed)' });
  });
});

describe('ContinueChatStream: failures after the stream started', () => {
  it('ends with an error event and stores nothing when the model fails mid-turn', async () => {
    fake.enqueueFor(CHAT_MODEL, { type: 'tool_calls', calls: [{ name: 'datetime__get_current_time', arguments: { time_zone: 'UTC' } }] }, errorReply(400));
    const exchange = await streamChat(host.url, { message: 'doomed' }, bearer(KEY_A));
    expect(exchange.status).toBe(200);
    expect(exchange.events.map((event) => event.event)).toEqual(['conversation', 'tool_call_started', 'tool_call_finished', 'error']);
    expect(eventsNamed(exchange, 'error')).toEqual([{ code: 'internal', msg: 'internal error', meta: {} }]);
    const id = eventsNamed(exchange, 'conversation')[0]!.conversation_id;
    expect((await describeConversation(id)).body.code).toBe('not_found');
  });

  it('reports a reply that broke off mid-stream as unavailable, without repeating text, and stores nothing of the turn', async () => {
    const opened = eventsNamed(await streamChat(host.url, { message: 'before' }, bearer(KEY_A)), 'conversation')[0]!.conversation_id;
    fake.enqueueFor(CHAT_MODEL, streamedTextReply(['half ', 'a ', 'reply'], { breakAfterChunks: 2 }));
    const modelRequestsBefore = fake.completionBodies(CHAT_MODEL).length;
    const exchange = await streamChat(host.url, { conversation_id: opened, message: 'broken' }, bearer(KEY_A));
    expect(fake.completionBodies(CHAT_MODEL)).toHaveLength(modelRequestsBefore + 1);
    expect(eventsNamed(exchange, 'delta').map((delta) => delta.text)).toEqual(['half ', 'a ']);
    expect(eventsNamed(exchange, 'error')).toEqual([{ code: 'unavailable', msg: 'the model endpoint broke off its reply mid-stream; retry the turn', meta: {} }]);
    expect((await describeConversation(opened)).body.conversation.messages).toHaveLength(2);
  });
});

describe('ContinueChatStream: a client that goes away', () => {
  it('aborts the model request when the socket is cut mid-reply, and stores nothing', async () => {
    fake.enqueueFor(CHAT_MODEL, streamedTextReply(['slow ', 'slow ', 'slow ', 'slow ', 'slow'], { chunkDelayMs: 200 }));
    const stream = await openRawStream(host.url, { message: 'cut me off' }, KEY_A);
    await stream.waitFor('event: delta');
    const conversationId = /"conversation_id":"([0-9a-f]{24})"/.exec(stream.received())![1]!;
    const modelRequest = fake.requests.findLast((request) => request.body?.model === CHAT_MODEL)!;
    stream.cut();
    expect(await modelRequest.outcome).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await describeConversation(conversationId)).body.code).toBe('not_found');
  });

  it("fires the running tool's abort signal when the socket is cut during the call, and stores nothing", async () => {
    const before = testbedState().abortedCalls ?? 0;
    const continued = eventsNamed(await streamChat(host.url, { message: 'a first turn' }, bearer(KEY_A)), 'conversation')[0]!.conversation_id;
    const modelRequestsBefore = fake.completionBodies(CHAT_MODEL).length;
    const stream = await openRawStream(host.url, { conversation_id: continued, message: 'wait forever please' }, KEY_A);
    await stream.waitFor('event: tool_call_started');
    stream.cut();
    await waitUntil(() => (testbedState().abortedCalls ?? 0) > before, 'the tool call to be aborted');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The turn ended there: no model call after the tool, nothing appended.
    expect(fake.completionBodies(CHAT_MODEL)).toHaveLength(modelRequestsBefore + 1);
    expect((await describeConversation(continued)).body.conversation.messages).toHaveLength(2);
  });

  it('makes the model connection wait for a client that reads nothing, instead of buffering the reply', async () => {
    // 64 KiB chunks, 48 MiB in all: far more than the socket buffers along the way can hold.
    const chunk = 'z'.repeat(64 * 1024);
    const chunks = Array.from({ length: 768 }, () => chunk);
    fake.enqueueFor(CHAT_MODEL, streamedTextReply(chunks));
    const stream = await openRawStream(host.url, { message: 'flood me' }, KEY_A);
    await stream.waitFor('event: delta');
    stream.stopReading();
    const modelRequest = fake.requests.findLast((request) => request.body?.model === CHAT_MODEL)!;
    // Wait until the pipeline is full and the fake is stuck.
    let sent = -1;
    await waitUntil(async () => {
      const now = modelRequest.progress.chunksSent;
      const isStalled = now === sent;
      sent = now;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return isStalled && modelRequest.progress.chunksSent === now;
    }, 'the model connection to stall');
    expect(modelRequest.progress.chunksSent).toBeLessThan(chunks.length / 2);
    stream.cut();
    expect(await modelRequest.outcome).toBe('aborted');
  });

  it('counts streams by route pattern and outcome in /metrics', async () => {
    const response = await fetch(`${host.url}/metrics`, { headers: bearer(KEY_OPS) });
    const text = await response.text();
    const route = `route="${STREAM_PATH}"`;
    expect(text).toMatch(new RegExp(`acai_http_streams_total\\{${route},outcome="ok"\\} \\d+`));
    expect(text).toMatch(new RegExp(`acai_http_streams_total\\{${route},outcome="canceled"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`acai_http_streams_total\\{${route},outcome="unavailable"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`acai_http_stream_duration_seconds_count\\{${route},outcome="ok"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`acai_http_streams_open\\{${route}\\} 0`));
  });
});

describe('ContinueChatStream: deadline and shutdown', () => {
  let bounded: RunningTestHost;
  let release: () => void = () => {};

  beforeAll(async () => {
    bounded = await startTestHost({ ...fakeModelEnv(fake), AUTH_DISABLED: 'true', REQUEST_DEADLINE_MS: '1500', SHUTDOWN_DEADLINE_MS: '1000' });
  });
  afterAll(async () => {
    release();
    await bounded?.close();
  });

  it('ends a stream that outlives the request deadline with a deadline_exceeded event, storing nothing', async () => {
    fake.enqueueFor(CHAT_MODEL, streamedTextReply(['tick ', 'tick ', 'tick ', 'tick ', 'tick'], { chunkDelayMs: 500 }));
    const exchange = await streamChat(bounded.url, { message: 'too slow' });
    expect(exchange.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'deadline_exceeded', msg: expect.stringMatching(/deadline/) } });
    // Cut at the deadline, not after the model finished: the host gave up on the model request mid-reply.
    const modelRequest = fake.requests.findLast((request) => request.body?.model === CHAT_MODEL)!;
    expect(await modelRequest.outcome).toBe('aborted');
    const id = eventsNamed(exchange, 'conversation')[0]!.conversation_id;
    expect((await twirpJson(bounded.url, 'DescribeConversation', { conversation_id: id })).body.code).toBe('not_found');
  });

  it('ends open streams with an unavailable event within the shutdown deadline', async () => {
    const resume = new Promise<void>((resolve) => (release = resolve));
    fake.enqueueFor(CHAT_MODEL, streamedTextReply(['first ', 'rest'], { pauseAfterChunks: 1, resume }));
    const stream = await openRawStream(bounded.url, { message: 'held open' });
    await stream.waitFor('event: delta');
    // The production shutdown path: stop accepting, let requests finish, cut what is left at the deadline.
    const shutdown = installShutdown({ app: bounded.app.server, onShutdown: [], deadlineMs: 1_000, logger: bounded.app.logger, signals: [], exit: () => {} });
    expect(await shutdown.shutdown('test')).toBe(0);
    // Ended before the deadline cut the connection: a cut stream gets neither the event nor the last chunk.
    await stream.waitFor('0\r\n\r\n');
    expect(stream.received()).toContain('event: error\ndata: {"code":"unavailable","msg":"the host is shutting down; retry the request","meta":{}}\n\n');
    expect(stream.received()).toMatch(/0\r\n\r\n$/);
  });
});
