import { connect, type Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import { ContinueChatStreamRequestSchema } from './generated/chat_pb.js';
import { ChatService, twirpPlugin, type ChatServiceImplementation, type TwirpPluginOptions } from './index.js';
import type { ServerStreamMethod } from './server-event-stream.js';

const ROUTE = '/twirp/acai.chat.ChatService/Stream';
const unary = {} as ChatServiceImplementation;
for (const method of ChatService.methods) (unary as Record<string, unknown>)[method.localName] = async () => ({});

type Behaviour = ServerStreamMethod<typeof ContinueChatStreamRequestSchema>['handler'];

let app: FastifyInstance | undefined;
const closed: Array<{ route: string; outcome: string }> = [];

/** Serves `behaviour` (picked by the request's message) as the server stream `Stream`. */
async function serve(behaviour: Behaviour, options: Partial<TwirpPluginOptions<never>> = {}): Promise<string> {
  app = Fastify();
  await app.register(twirpPlugin, {
    service: ChatService,
    implementation: unary,
    serverStreams: [{ name: 'Stream', input: ContinueChatStreamRequestSchema, handler: behaviour }],
    streamObserver: { opened: () => {}, closed: (route, outcome) => closed.push({ route, outcome }) },
    ...options,
  } as TwirpPluginOptions<never>);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

afterEach(async () => {
  await app?.close();
  app = undefined;
  closed.length = 0;
});

async function post(url: string, body: unknown = { message: 'hi' }, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${ROUTE}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one event, then never finishes (and ignores its signal). */
const holdsOpen: Behaviour = async (_request, _context, stream) => {
  await stream.send('first', {});
  await new Promise(() => undefined);
};

/** A request on a raw socket the test can stop reading from or cut. */
async function rawRequest(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`POST ${ROUTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
  return socket;
}

describe('server streams next to a Twirp service', () => {
  it('frames each event as one event line and one JSON data line, decoding the request like Twirp', async () => {
    const url = await serve(async (request, _context, stream) => {
      await stream.send('first', { echo: request.message, lines: 'a\nb' });
      await stream.send('second', {});
    });
    const answer = await post(url, { message: 'hello', conversationId: 'camel-case works' });
    expect(answer).toEqual({
      status: 200,
      contentType: 'text/event-stream; charset=utf-8',
      text: 'event: first\ndata: {"echo":"hello","lines":"a\\nb"}\n\nevent: second\ndata: {}\n\n',
    });
    expect(closed).toEqual([{ route: ROUTE, outcome: 'ok' }]);
  });

  it('answers a failure before the first event with a Twirp JSON error and its status', async () => {
    const url = await serve(async () => {
      throw new HostError('HOST_CONVERSATION_NOT_FOUND', 'conversation not found');
    });
    expect(await post(url)).toEqual({ status: 404, contentType: 'application/json', text: '{"code":"not_found","msg":"conversation not found"}' });
    expect(closed).toEqual([{ route: ROUTE, outcome: 'not_found' }]);
  });

  it('ends a stream that fails after its first event with an error event that leaks nothing', async () => {
    const url = await serve(async (_request, _context, stream) => {
      await stream.send('first', {});
      throw new Error('mongo: connection refused at 10.0.0.7 (password=hunter2)');
    });
    const answer = await post(url);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('event: first\ndata: {}\n\nevent: error\ndata: {"code":"internal","msg":"internal error","meta":{}}\n\n');
    expect(closed).toEqual([{ route: ROUTE, outcome: 'internal' }]);
  });

  it.each([
    ['a Content-Type Twirp does not speak', { 'content-type': 'text/plain' }, 404, 'bad_route'],
    ['an Accept without event streams', { accept: 'application/json' }, 400, 'invalid_argument'],
    ['event streams refused with q=0', { accept: 'text/event-stream; q=0, application/json' }, 400, 'invalid_argument'],
  ])('refuses %s before reading the body', async (_label, headers, status, code) => {
    let calls = 0;
    const url = await serve(async () => {
      calls += 1;
    });
    const answer = await post(url, { message: 'hi' }, headers);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.text).code).toBe(code);
    expect(calls).toBe(0);
  });

  it('writes a keep-alive comment while the stream is idle', async () => {
    const url = await serve(
      async (_request, _context, stream) => {
        await stream.send('first', {});
        await sleep(200);
        await stream.send('last', {});
      },
      { streamKeepAliveMs: 60 },
    );
    const { text } = await post(url);
    expect(text.startsWith('event: first\ndata: {}\n\n: keep-alive\n\n')).toBe(true);
    expect(text.endsWith('event: last\ndata: {}\n\n')).toBe(true);
  });

  it('ends a stream at the request deadline even when the method ignores its signal', async () => {
    // Long enough that the first event always goes out before it, even on a busy machine.
    const url = await serve(
      holdsOpen,
      { requestDeadlineMs: 1_000 },
    );
    const { text } = await post(url);
    expect(text).toBe('event: first\ndata: {}\n\nevent: error\ndata: {"code":"deadline_exceeded","msg":"request deadline exceeded","meta":{}}\n\n');
  });

  it('aborts the method when the client disconnects and records the stream as canceled', async () => {
    let aborted: unknown;
    const url = await serve(async (_request, context, stream) => {
      await stream.send('first', {});
      await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted = context.signal.reason;
      await stream.send('never', {});
    });
    const socket = await rawRequest(url);
    await new Promise((resolve) => socket.once('data', resolve));
    socket.destroy();
    // expect.poll waits up to the suite's wait budget (vitest.config.ts) for the close to be recorded.
    await expect.poll(() => closed).toEqual([{ route: ROUTE, outcome: 'canceled' }]);
    expect(HostError.isInstance(aborted) && aborted.code).toBe('HOST_CANCELED');
  });

  it('holds a sender back while the client reads nothing, keeping what it buffers bounded', async () => {
    let sent = 0;
    const event = { padding: 'x'.repeat(64 * 1024) };
    const url = await serve(async (_request, _context, stream) => {
      for (;;) {
        await stream.send('chunk', event);
        sent += 1;
      }
    });
    const socket = await rawRequest(url);
    socket.pause();
    let previous = -1;
    for (let attempt = 0; attempt < 100 && sent !== previous; attempt += 1) {
      previous = sent;
      await sleep(100);
    }
    // Stuck: socket buffers on both sides hold a few MiB at most; the sender waits instead of queueing 64 KiB forever.
    expect(sent).toBe(previous);
    expect(sent).toBeLessThan(400);
    socket.destroy();
  });

  it('ends streams still open after the shutdown grace with unavailable, and lets the server close', async () => {
    let started!: () => void;
    const isStreaming = new Promise<void>((resolve) => (started = resolve));
    const url = await serve(
      async (request, context, stream) => {
        const held = holdsOpen(request, context, stream);
        started();
        await held;
      },
      { streamShutdownGraceMs: 100 },
    );
    const pending = post(url);
    await isStreaming;
    const startedClosing = Date.now();
    await app!.close();
    app = undefined;
    // Left alone, the stream would never end and neither would close(); the grace ends it at 100 ms. The
    // bound is far above that, so only that hang (not a busy machine) can fail it.
    expect(Date.now() - startedClosing).toBeLessThan(15_000);
    expect((await pending).text).toBe('event: first\ndata: {}\n\nevent: error\ndata: {"code":"unavailable","msg":"the host is shutting down; retry the request","meta":{}}\n\n');
  });
});
