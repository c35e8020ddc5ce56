import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TwirpClientError } from './twirp-client-error.js';
import { createTwirpChatClient } from './twirp-chat-client.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server | undefined;

async function serve(handler: Handler): Promise<string> {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => handler(request, body, response));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function captureError(promise: Promise<unknown>): Promise<TwirpClientError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(TwirpClientError.isInstance(error)).toBe(true);
  return error as TwirpClientError;
}

describe('createTwirpChatClient', () => {
  it('posts JSON with proto field names and the bearer key to the Twirp route', async () => {
    const seen: { url?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    const url = await serve((request, body, response) => {
      Object.assign(seen, { url: request.url, headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ reply: 'hi', conversation_id: 'c1' }));
    });
    const client = createTwirpChatClient({ url: `${url}/`, apiKey: 'k-123' });
    const result = await client.continueConversation({
      message: 'hello',
      session_metadata: { platform: 'telegram', user_id: '1', chat_id: '2' },
    });
    expect(result).toEqual({ reply: 'hi', conversation_id: 'c1' });
    expect(seen.url).toBe('/twirp/acai.chat.ChatService/ContinueConversation');
    expect(seen.headers?.authorization).toBe('Bearer k-123');
    expect(seen.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(seen.body ?? '')).toEqual({
      message: 'hello',
      session_metadata: { platform: 'telegram', user_id: '1', chat_id: '2' },
    });
  });

  it('surfaces Twirp errors with their code, message and meta', async () => {
    const url = await serve((_request, _body, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 'invalid_argument', msg: 'message is required', meta: { argument: 'message' } }));
    });
    const error = await captureError(createTwirpChatClient({ url }).startConversation({ message: '' }));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toBe('message is required');
    expect(error.meta).toEqual({ argument: 'message' });
    expect(error.httpStatus).toBe(400);
    expect(error.isRetryable).toBe(false);
  });

  it.each([
    [502, 'unavailable'],
    [503, 'unavailable'],
    [429, 'resource_exhausted'],
    [401, 'unauthenticated'],
    [403, 'permission_denied'],
    [404, 'bad_route'],
    [400, 'internal'],
    [418, 'unknown'],
  ] as const)('maps a non-Twirp HTTP %i from an intermediary to %s', async (status, code) => {
    const url = await serve((_request, _body, response) => {
      response.writeHead(status, { 'content-type': 'text/html' });
      response.end('<html>bad gateway</html>');
    });
    const error = await captureError(createTwirpChatClient({ url }).listConversations({}));
    expect(error.code).toBe(code);
    expect(error.meta).toMatchObject({
      http_error_from_intermediary: 'true',
      status_code: String(status),
      body: '<html>bad gateway</html>',
    });
  });

  it('adds the location of a redirect to the meta', async () => {
    const url = await serve((_request, _body, response) => {
      response.writeHead(302, { location: 'https://elsewhere.example/' });
      response.end();
    });
    const error = await captureError(createTwirpChatClient({ url }).listConversations({}));
    expect(error.code).toBe('internal');
    expect(error.meta.location).toBe('https://elsewhere.example/');
  });

  it('reports a refused connection as a retryable transport failure', async () => {
    const url = await serve(() => undefined);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const error = await captureError(createTwirpChatClient({ url }).listConversations({}));
    expect(error.isTransportFailure).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain('cannot reach');
  });

  it('turns its own deadline into deadline_exceeded', async () => {
    const url = await serve(() => undefined); // never answers
    const error = await captureError(createTwirpChatClient({ url, timeoutMs: 50 }).listConversations({}));
    expect(error.code).toBe('deadline_exceeded');
    server?.closeAllConnections();
  });

  describe('continueChatStream', () => {
    const sse = (...frames: string[]) => frames.join('');
    const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

    async function collect(url: string) {
      const events: unknown[] = [];
      for await (const event of createTwirpChatClient({ url, apiKey: 'k' }).continueChatStream({ message: 'hi' })) events.push(event);
      return events;
    }

    it('asks for an event stream and yields the events up to the message, skipping comments and unknown events', async () => {
      const seen: { accept?: string; url?: string } = {};
      const url = await serve((request, _body, response) => {
        Object.assign(seen, { accept: request.headers.accept, url: request.url });
        response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
        response.end(
          sse(
            frame('conversation', { conversation_id: 'c1', is_new: true }),
            ': keep-alive\n\n',
            frame('delta', { text: 'Hi' }),
            frame('from_a_newer_host', { x: 1 }),
            frame('message', { conversation_id: 'c1', message_id: 'm1', reply: 'Hi', tool_calls: [] }),
          ),
        );
      });
      expect(await collect(url)).toEqual([
        { event: 'conversation', data: { conversation_id: 'c1', is_new: true } },
        { event: 'delta', data: { text: 'Hi' } },
        { event: 'message', data: { conversation_id: 'c1', message_id: 'm1', reply: 'Hi', tool_calls: [] } },
      ]);
      expect(seen).toEqual({ accept: 'text/event-stream', url: '/twirp/acai.chat.ChatService/ContinueChatStream' });
    });

    it('throws the terminal error event as a TwirpClientError after the events before it', async () => {
      const url = await serve((_request, _body, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(sse(frame('delta', { text: 'par' }), frame('error', { code: 'deadline_exceeded', msg: 'too slow', meta: { step: '2' } })));
      });
      const client = createTwirpChatClient({ url });
      const seen: unknown[] = [];
      const error = await captureError(
        (async () => {
          for await (const event of client.continueChatStream({ message: 'hi' })) seen.push(event);
        })(),
      );
      expect(seen).toEqual([{ event: 'delta', data: { text: 'par' } }]);
      expect(error).toMatchObject({ code: 'deadline_exceeded', message: 'too slow', meta: { step: '2' }, httpStatus: 200 });
    });

    it('throws a Twirp error answered before the stream, e.g. bad_route from a host without the route', async () => {
      const url = await serve((_request, _body, response) => {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ code: 'bad_route', msg: 'no handler for path "/twirp/acai.chat.ChatService/ContinueChatStream"' }));
      });
      expect(await captureError(collect(url))).toMatchObject({ code: 'bad_route', httpStatus: 404 });
    });

    it('reports a stream that stops before its message as unavailable', async () => {
      const url = await serve((_request, _body, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(frame('delta', { text: 'cut' }));
        setTimeout(() => response.socket?.destroy(), 20);
      });
      const error = await captureError(collect(url));
      expect(error).toMatchObject({ code: 'unavailable', message: 'the stream ended before the reply was complete' });
      expect(error.isRetryable).toBe(true);
    });

    it('closes the connection when the reader leaves early, so the host can cancel the turn', async () => {
      let closedEarly: Promise<boolean> = Promise.resolve(false);
      const url = await serve((_request, _body, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(frame('delta', { text: 'one' }));
        closedEarly = new Promise((resolve) => response.on('close', () => resolve(!response.writableFinished)));
      });
      for await (const event of createTwirpChatClient({ url }).continueChatStream({ message: 'hi' })) {
        expect(event.event).toBe('delta');
        break;
      }
      expect(await closedEarly).toBe(true);
    });

    it('refuses malformed event data as internal', async () => {
      const url = await serve((_request, _body, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end('event: delta\ndata: {not json\n\n');
      });
      expect(await captureError(collect(url))).toMatchObject({ code: 'internal' });
    });
  });
});

