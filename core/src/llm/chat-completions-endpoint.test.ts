import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createChatCompletionsEndpoint, serializeBody } from './chat-completions-endpoint.js';
import { createNodeHttpFetch } from './node-http-fetch.js';
import { startLocalHttpServer, type LocalHttpServer, type ReceivedRequest } from './testing/local-http-server.js';

let server: LocalHttpServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** A local model endpoint under `/v1/`; `answer` sees each request once its body was read. */
async function serve(answer: (request: ReceivedRequest, response: ServerResponse) => void): Promise<{ baseURL: string; seen: ReceivedRequest[] }> {
  server = await startLocalHttpServer(answer);
  return { baseURL: `${server.url}/v1/`, seen: server.received };
}

function endpointFor(baseURL: string, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) {
  const fetch = createNodeHttpFetch();
  const client = new OpenAI({ apiKey: 'sk-endpoint', baseURL, maxRetries: 0, fetch, ...extra });
  return createChatCompletionsEndpoint(client, fetch);
}

const COMPLETION = { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }] };
const messages = [{ role: 'user' as const, content: 'hello' }];

describe('createChatCompletionsEndpoint', () => {
  it("posts the body as JSON to the client's base URL with its key, organization and project", async () => {
    const { baseURL, seen } = await serve((_seen, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(COMPLETION));
    });
    const completion = await endpointFor(baseURL, { organization: 'org-1', project: 'proj-1' }).create({ model: 'm', messages }, { signal: new AbortController().signal });
    expect(completion.choices[0]?.message.content).toBe('Hi');
    const { method, url, headers, body } = seen[0]!;
    expect([method, url]).toEqual(['POST', '/v1/chat/completions']);
    expect(headers).toMatchObject({ authorization: 'Bearer sk-endpoint', 'content-type': 'application/json', 'openai-organization': 'org-1', 'openai-project': 'proj-1' });
    expect(JSON.parse(body)).toEqual({ model: 'm', messages });
  });

  it('raises the SDK error class for the status, with the provider code and the response headers', async () => {
    const { baseURL } = await serve((_seen, response) => {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '20', 'x-request-id': 'req_7' });
      response.end(JSON.stringify({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }));
    });
    const failure = await endpointFor(baseURL).create({ model: 'm', messages }, { signal: new AbortController().signal }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect(failure).toMatchObject({ status: 429, code: 'rate_limit_exceeded', requestID: 'req_7' });
    expect((failure as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after-ms')).toBe('20');
  });

  it('keeps a non-JSON error body as the message and a malformed 200 body as a SyntaxError', async () => {
    let status = 502;
    const { baseURL } = await serve((_seen, response) => {
      response.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'text/html' });
      response.end(status === 200 ? '{"choices": [' : '<html>bad gateway</html>');
    });
    const endpoint = endpointFor(baseURL);
    const gateway = await endpoint.create({ model: 'm', messages }, { signal: new AbortController().signal }).catch((error: unknown) => error);
    expect(gateway).toBeInstanceOf(OpenAI.InternalServerError);
    expect((gateway as Error).message).toContain('bad gateway');
    status = 200;
    await expect(endpoint.create({ model: 'm', messages }, { signal: new AbortController().signal })).rejects.toBeInstanceOf(SyntaxError);
  });

  it('streams chunks through the SDK reader and closes the connection when the reader stops early', async () => {
    const { baseURL, seen } = await serve((_seen, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const text of ['one', 'two']) {
        response.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`);
      }
      // The rest never comes: the reader must not wait for it.
    });
    const stream = await endpointFor(baseURL).create({ model: 'm', messages, stream: true }, { signal: new AbortController().signal });
    for await (const chunk of stream) {
      expect(chunk.choices[0]?.delta.content).toBe('one');
      break;
    }
    await seen[0]!.closed;
  });

  it('ends a waiting request with APIUserAbortError when the caller aborts, and closes the connection', async () => {
    const { baseURL, seen } = await serve(() => {});
    const caller = new AbortController();
    const pending = endpointFor(baseURL).create({ model: 'm', messages }, { signal: caller.signal });
    while (seen.length === 0) await new Promise((resolve) => setImmediate(resolve));
    caller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await seen[0]!.closed;
    await expect(endpointFor(baseURL).create({ model: 'm', messages }, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
  });

  it('reports an unreachable endpoint as APIConnectionError', async () => {
    const { baseURL } = await serve(() => {});
    await server!.stop();
    const failure = await endpointFor(baseURL).create({ model: 'm', messages }, { signal: new AbortController().signal }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(failure).not.toBeInstanceOf(OpenAI.APIUserAbortError);
  });

  it('serializes the same tool definitions once and the rest of each body every time', () => {
    let serializations = 0;
    const tool = { type: 'function' as const, function: { name: 'datetime__now', parameters: { type: 'object' } } };
    const counted = { ...tool, toJSON: () => ((serializations += 1), tool) };
    const tools = [counted] as unknown as OpenAI.Chat.Completions.ChatCompletionTool[];
    for (const content of ['first', 'second "quoted" \u2028 text']) {
      const body = { model: 'm', messages: [{ role: 'user' as const, content }], tools, tool_choice: 'auto' as const };
      expect(JSON.parse(serializeBody(body))).toEqual({ model: 'm', messages: [{ role: 'user', content }], tools: [tool], tool_choice: 'auto' });
    }
    expect(serializations).toBe(1);
    expect(JSON.parse(serializeBody({ model: 'm', messages }))).toEqual({ model: 'm', messages });
  });
});
