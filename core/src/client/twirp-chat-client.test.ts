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
});
