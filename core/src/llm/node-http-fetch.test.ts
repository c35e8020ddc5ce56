import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeHttpFetch, ResponseTooLargeError } from './node-http-fetch.js';
import { startLocalHttpServer, type LocalHttpServer, type ReceivedRequest } from './testing/local-http-server.js';

let server: LocalHttpServer | undefined;

/** A local server; `handle` answers each request after its body was read. */
async function serve(handle: (request: ReceivedRequest, response: ServerResponse) => void): Promise<{ url: string; received: ReceivedRequest[] }> {
  server = await startLocalHttpServer(handle);
  return server;
}

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** A promise and the function that resolves it (Node 20 has no Promise.withResolvers). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

describe('createNodeHttpFetch', () => {
  it('sends the method, headers and body, and answers JSON with status and headers', async () => {
    const { url, received } = await serve((_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req_1', 'set-cookie': ['a=1', 'b=2'] });
      response.end(JSON.stringify({ answer: 'é' }));
    });
    const fetch = createNodeHttpFetch();
    const response = await fetch(`${url}/v1/things?x=1`, { method: 'POST', headers: new Headers({ Authorization: 'Bearer k', 'Content-Type': 'application/json' }), body: '{"q":"ü"}' });
    expect(received[0]).toMatchObject({ method: 'POST', url: '/v1/things?x=1', body: '{"q":"ü"}' });
    expect(received[0]!.headers).toMatchObject({ authorization: 'Bearer k', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength('{"q":"ü"}')) });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('X-Request-Id')).toBe('req_1');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect([...response.headers.entries()].map(([name]) => name)).toContain('x-request-id');
    expect(await response.json()).toEqual({ answer: 'é' });
  });

  it('sends each request its own headers: a frozen object as it is, a plain one as it is now, bodies their own length', async () => {
    const { url, received } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('not json');
    });
    const fetch = createNodeHttpFetch();
    const frozen = Object.freeze({ 'X-Fixed': 'one', Authorization: 'Bearer k' });
    const plain: Record<string, string> = { 'X-Changing': 'first' };
    await fetch(`${url}/a`, { method: 'POST', headers: frozen, body: '{}' });
    await fetch(`${url}/b`, { method: 'POST', headers: frozen, body: '{"longer":true}' });
    await fetch(`${url}/c`, { method: 'POST', headers: plain, body: '{}' });
    plain['X-Changing'] = 'second';
    const last = await fetch(`${url}/d`, { method: 'POST', headers: plain, body: '{}' });
    expect(received.map((request) => [request.headers['x-fixed'], request.headers.authorization, request.headers['content-length']])).toEqual([
      ['one', 'Bearer k', '2'],
      ['one', 'Bearer k', '15'],
      [undefined, undefined, '2'],
      [undefined, undefined, '2'],
    ]);
    expect(received.map((request) => request.headers['x-changing'])).toEqual([undefined, undefined, 'first', 'second']);
    // A buffered body that is not JSON rejects json() (as fetch does), and is then used up.
    await expect(last.json()).rejects.toThrow(SyntaxError);
    expect(last.bodyUsed).toBe(true);
  });

  it('keeps the connection alive between requests', async () => {
    const { url, received } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
    const fetch = createNodeHttpFetch();
    await (await fetch(`${url}/one`, { method: 'POST', body: '{}' })).json();
    await (await fetch(`${url}/two`, { method: 'POST', body: '{}' })).json();
    expect(received).toHaveLength(2);
    expect(received[1]!.socketPort).toBe(received[0]!.socketPort);
  });

  it('hands error answers to the caller as text with their headers', async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      response.end('{"error":{"message":"slow down"}}');
    });
    const response = await createNodeHttpFetch()(`${url}/x`, { method: 'POST', body: '{}' });
    expect(response.ok).toBe(false);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.text()).toBe('{"error":{"message":"slow down"}}');
  });

  it('decodes a gzip-encoded answer the server sent without being asked', async () => {
    const { url, received } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      response.end(gzipSync('{"zipped":true}'));
    });
    const response = await createNodeHttpFetch()(`${url}/x`, { method: 'POST', body: '{}' });
    expect(received[0]!.headers['accept-encoding']).toBeUndefined();
    expect(await response.json()).toEqual({ zipped: true });
  });

  it('rejects malformed JSON when the caller parses it, not before', async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"truncated": ');
    });
    const response = await createNodeHttpFetch()(`${url}/x`, { method: 'POST', body: '{}' });
    await expect(response.json()).rejects.toBeInstanceOf(SyntaxError);
  });

  it('refuses an answer larger than the limit and drops the connection', async () => {
    const { url, received } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(`"${'x'.repeat(4096)}`);
      response.write('x'.repeat(4096));
    });
    await expect(createNodeHttpFetch({ maxResponseBytes: 1024 })(`${url}/x`, { method: 'POST', body: '{}' })).rejects.toBeInstanceOf(ResponseTooLargeError);
    await received[0]!.closed;
  });

  it('fails when the connection ends before the answer is complete', async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
      response.socket?.destroy();
    });
    await expect(createNodeHttpFetch()(`${url}/x`, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('rejects with the abort reason and closes the connection when aborted before the answer', async () => {
    const arrived = deferred();
    const { url, received } = await serve(() => arrived.resolve());
    const controller = new AbortController();
    const pending = createNodeHttpFetch()(`${url}/x`, { method: 'POST', body: '{}', signal: controller.signal });
    await arrived.promise;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await received[0]!.closed;
  });

  it('rejects at once when the signal was already aborted', async () => {
    const { url, received } = await serve((_request, response) => response.end());
    const reason = new Error('stop');
    await expect(createNodeHttpFetch()(`${url}/x`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(received).toHaveLength(0);
  });

  it('streams an event stream chunk by chunk and stops it with the abort reason when aborted', async () => {
    const next = deferred();
    const { url, received } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      void next.promise.then(() => response.write('data: two\n\n'));
    });
    const controller = new AbortController();
    const response = await createNodeHttpFetch()(`${url}/x`, { method: 'POST', body: '{}', signal: controller.signal });
    const iterator = (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe('data: one\n\n');
    next.resolve();
    expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe('data: two\n\n');
    const reason = new DOMException('The operation timed out.', 'TimeoutError');
    controller.abort(reason);
    await expect(iterator.next()).rejects.toBe(reason);
    await received[0]!.closed;
  });

  it('passes request bodies it does not send itself to the fallback fetch', async () => {
    const seen: unknown[] = [];
    const fallback = (async (_input: unknown, init?: RequestInit) => {
      seen.push(init?.body);
      return new Response('{}');
    }) as typeof fetch;
    const form = new FormData();
    await createNodeHttpFetch({ fallback })('http://127.0.0.1:9/upload', { method: 'POST', body: form });
    expect(seen).toEqual([form]);
  });

  it('serves the openai client: completions, API errors with headers, and streamed chunks', async () => {
    const { url, received } = await serve((request, response) => {
      const body = JSON.parse(request.body) as { stream?: boolean; model: string };
      if (body.model === 'missing') {
        response.writeHead(404, { 'content-type': 'application/json', 'x-should-retry': 'false' });
        response.end('{"error":{"message":"no such model","type":"invalid_request_error","code":"model_not_found"}}');
      } else if (body.stream) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const text of ['Hel', 'lo']) response.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`);
        response.end('data: [DONE]\n\n');
      } else {
        response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_9' });
        response.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }] }));
      }
    });
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${url}/v1`, maxRetries: 0, fetch: createNodeHttpFetch() });
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe('Hi');
    expect(completion._request_id).toBe('req_9');
    expect(received[0]!.headers.authorization).toBe('Bearer sk-test');
    const failure = await client.chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).headers?.get('x-should-retry')).toBe('false');
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello');
  });
});
