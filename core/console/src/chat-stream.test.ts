import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT_STREAM_PATH, decodeChatStreamEvent, streamChat, type ChatStreamEvent } from './chat-stream.js';
import { HostApiError, type HostConnection } from './host-api.js';

// A local server speaking the ContinueChatStream wire contract, so the client is tested on real
// sockets, real chunking and real disconnects (the browser suite runs it against the real host).

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Behaviour = (response: ServerResponse, request: IncomingMessage) => void;

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const TOOL = { id: 'call_1', name: 'datetime__get_current_time', plugin: 'datetime', plugin_version: '1.0.0', arguments: '{"time_zone":"Europe/Madrid"}' };
const HAPPY_STREAM = [
  ': keep-alive\n\n',
  sse('conversation', { conversation_id: 'c1', is_new: true }),
  sse('tool_call_started', TOOL),
  sse('tool_call_finished', { ...TOOL, outcome: 'ok', result: '<script>alert(1)</script>', duration_ms: 12 }),
  sse('future_event', { whatever: true }),
  sse('delta', { text: 'It is ' }),
  sse('delta', { text: 'noon.' }),
  sse('message', { conversation_id: 'c1', message_id: 'm2', reply: 'It is noon.', title: 'Time', tool_calls: [{ ...TOOL, outcome: 'ok', duration_ms: 12, result: 'x' }] }),
].join('');

let server: Server;
let connection: HostConnection;
let behaviour: Behaviour;
let received: Received[];
let closedEarly: Promise<void>;
let markClosedEarly: () => void;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.on('close', () => {
        if (!response.writableFinished) markClosedEarly();
      });
      behaviour(response, request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  connection = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'acai_test_key' };
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received = [];
  closedEarly = new Promise((resolve) => (markClosedEarly = resolve));
});

const streamHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

async function collect(request = { message: 'What time is it?' }, signal?: AbortSignal): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of streamChat(connection, request, signal)) events.push(event);
  return events;
}

describe('streamChat', () => {
  it('POSTs the turn as JSON with the key and Accept: text/event-stream', async () => {
    behaviour = (response) => response.writeHead(200, streamHeaders).end(HAPPY_STREAM);
    await collect({ conversationId: 'c0', message: 'Hello <b>there</b>' } as { message: string });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: CHAT_STREAM_PATH });
    expect(received[0]!.headers).toMatchObject({ 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer acai_test_key' });
    expect(JSON.parse(received[0]!.body)).toEqual({ conversation_id: 'c0', message: 'Hello <b>there</b>' });
    await collect();
    expect(JSON.parse(received[1]!.body)).toEqual({ message: 'What time is it?' });
    // Regenerating sends the reply to replace and no message.
    for await (const _event of streamChat(connection, { conversationId: 'c0', regenerateMessageId: 'm9' })) void _event;
    expect(JSON.parse(received[2]!.body)).toEqual({ conversation_id: 'c0', regenerate_message_id: 'm9' });
  });

  it('yields the typed events in order, skipping comments and unknown events, and stops at the terminal one', async () => {
    behaviour = (response) => response.writeHead(200, streamHeaders).end(`${HAPPY_STREAM}${sse('delta', { text: 'after the end' })}`);
    const events = await collect();
    expect(events.map((event) => event.type)).toEqual(['conversation', 'tool_call_started', 'tool_call_finished', 'delta', 'delta', 'message']);
    expect(events[0]).toEqual({ type: 'conversation', conversationId: 'c1', isNew: true });
    expect(events[2]).toEqual({ type: 'tool_call_finished', call: { ...TOOL, outcome: 'ok', result: '<script>alert(1)</script>', duration_ms: 12 } });
    expect(events[5]).toMatchObject({ type: 'message', message: { conversation_id: 'c1', message_id: 'm2', reply: 'It is noon.', title: 'Time' } });
  });

  it('delivers each event as it arrives, however the bytes are split (even inside a multi-byte character)', async () => {
    const bytes = Buffer.from(HAPPY_STREAM.replace('noon.', 'midi, été 🌞'));
    behaviour = (response) => {
      response.writeHead(200, streamHeaders);
      let offset = 0;
      const step = () => {
        if (offset >= bytes.length) return void response.end();
        response.write(bytes.subarray(offset, offset + 5));
        offset += 5;
        setImmediate(step);
      };
      step();
    };
    const deltas = (await collect()).filter((event) => event.type === 'delta');
    expect(deltas.map((event) => (event.type === 'delta' ? event.text : ''))).toEqual(['It is ', 'midi, été 🌞']);
  });

  it('throws the Twirp error the host answers before the stream starts, with its code and metadata', async () => {
    behaviour = (response) =>
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' }).end(JSON.stringify({ code: 'resource_exhausted', msg: 'rate limit exceeded' }));
    const failure = await collect().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HostApiError);
    expect(failure).toMatchObject({ code: 'resource_exhausted', status: 429, message: 'rate limit exceeded', meta: { retry_after_seconds: '7' } });

    behaviour = (response) => response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'unauthenticated', msg: 'invalid API key' }));
    await expect(collect()).rejects.toMatchObject({ code: 'unauthenticated', status: 401 });
  });

  it('reports a proxy error page or a non-stream answer readably instead of parsing it', async () => {
    behaviour = (response) => response.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
    await expect(collect()).rejects.toMatchObject({ code: 'unavailable', status: 502, message: 'the host answered HTTP 502' });
    behaviour = (response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"reply":"unary"}');
    await expect(collect()).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('instead of an event stream') });
  });

  it('yields the terminal error event of a failed turn', async () => {
    behaviour = (response) =>
      response.writeHead(200, streamHeaders).end(sse('conversation', { conversation_id: 'c1', is_new: false }) + sse('error', { code: 'deadline_exceeded', msg: 'request deadline exceeded', meta: { step: '2', bad: 3 } }));
    const events = await collect();
    expect(events.at(-1)).toEqual({ type: 'error', error: { code: 'deadline_exceeded', msg: 'request deadline exceeded', meta: { step: '2' } } });
  });

  it('reports a connection that breaks mid-reply as unavailable', async () => {
    behaviour = (response) => {
      response.writeHead(200, streamHeaders).write(sse('conversation', { conversation_id: 'c1', is_new: true }));
      setTimeout(() => response.socket?.destroy(), 20);
    };
    await expect(collect()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('fails as unavailable when the connection ends before a terminal event', async () => {
    behaviour = (response) => response.writeHead(200, streamHeaders).end(sse('conversation', { conversation_id: 'c1', is_new: true }) + sse('delta', { text: 'half' }));
    const events: ChatStreamEvent[] = [];
    const failure = await (async () => {
      for await (const event of streamChat(connection, { message: 'x' })) events.push(event);
    })().catch((error: unknown) => error);
    expect(events.map((event) => event.type)).toEqual(['conversation', 'delta']);
    expect(failure).toMatchObject({ code: 'unavailable', message: 'the connection closed before the reply was complete' });
  });

  it('cancels the request when the signal aborts mid-stream: the server sees the client leave', async () => {
    behaviour = (response) => response.writeHead(200, streamHeaders).write(sse('conversation', { conversation_id: 'c1', is_new: true }) + sse('delta', { text: 'thinking' }));
    const controller = new AbortController();
    const events: ChatStreamEvent[] = [];
    const failure = await (async () => {
      for await (const event of streamChat(connection, { message: 'x' }, controller.signal)) {
        events.push(event);
        if (event.type === 'delta') controller.abort();
      }
    })().catch((error: unknown) => error);
    expect((failure as Error).name).toBe('AbortError');
    expect(events.map((event) => event.type)).toEqual(['conversation', 'delta']);
    await closedEarly;
  });

  it('cancels the request when the consumer stops reading early', async () => {
    behaviour = (response) => response.writeHead(200, streamHeaders).write(sse('conversation', { conversation_id: 'c1', is_new: true }));
    for await (const event of streamChat(connection, { message: 'x' })) {
      expect(event.type).toBe('conversation');
      break;
    }
    await closedEarly;
  });

  it('reports an unreachable host as unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = await (async () => {
      for await (const _event of streamChat({ baseUrl: `http://127.0.0.1:${port}`, apiKey: undefined }, { message: 'x' })) void _event;
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'unavailable', message: expect.stringContaining('cannot reach the host') });
  });
});

describe('decodeChatStreamEvent', () => {
  it('refuses malformed payloads of known events and ignores unknown events', () => {
    expect(decodeChatStreamEvent('keep_alive_v2', 'not json')).toBeUndefined();
    for (const data of ['not json', '[1,2]', '"text"', 'null']) expect(() => decodeChatStreamEvent('delta', data)).toThrow(HostApiError);
  });

  it('fills missing or mistyped fields with empty values instead of trusting them', () => {
    expect(decodeChatStreamEvent('delta', '{"text": 5}')).toEqual({ type: 'delta', text: '' });
    expect(decodeChatStreamEvent('tool_call_finished', '{"id":"a","duration_ms":"12"}')).toEqual({
      type: 'tool_call_finished',
      call: { id: 'a', name: '', plugin: '', plugin_version: '', arguments: '', outcome: '', result: '', duration_ms: 0 },
    });
    expect(decodeChatStreamEvent('message', '{"tool_calls":[null, 3, {"name":"x"}]}')).toMatchObject({ message: { tool_calls: [{ name: 'x' }] } });
    expect(decodeChatStreamEvent('error', '{}')).toEqual({ type: 'error', error: { code: 'unknown', msg: '', meta: {} } });
  });

  it('keeps structured data, images and usage, dropping entries that are not objects', () => {
    const finished = decodeChatStreamEvent('tool_call_finished', JSON.stringify({ id: 'a', data: '{"x":1}', images: [{ mime_type: 'image/png', data: 'iVBO' }, 'x', null] }));
    expect(finished).toMatchObject({ call: { data: '{"x":1}', images: [{ mime_type: 'image/png', data: 'iVBO' }] } });
    expect(decodeChatStreamEvent('tool_call_finished', '{"id":"a","data":7,"images":"x"}')).not.toHaveProperty('call.data');
    expect(decodeChatStreamEvent('message', '{"usage":{"prompt_tokens":12,"completion_tokens":3}}')).toMatchObject({ message: { usage: { prompt_tokens: 12, completion_tokens: 3 } } });
    expect(decodeChatStreamEvent('message', '{"usage":[1]}')).not.toHaveProperty('message.usage');
  });
});
