import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import type { GenService } from '@bufbuild/protobuf/codegenv2';
import {
  FileDescriptorProtoSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  timestampFromDate,
} from '@bufbuild/protobuf/wkt';
import { createFileRegistry } from '@bufbuild/protobuf';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { HostError, invalidArgument } from '../errors/index.js';
import {
  Conversation_Role,
  ContinueConversationRequestSchema,
  DescribeConversationResponseSchema,
  StartConversationRequestSchema,
  StartConversationResponseSchema,
} from './generated/chat_pb.js';
import { ChatService, twirpPlugin, type ChatServiceImplementation, type RpcContext, type TwirpPluginOptions } from './index.js';

const START = '/twirp/acai.chat.ChatService/StartConversation';
const CONTINUE = '/twirp/acai.chat.ChatService/ContinueConversation';
const LIST = '/twirp/acai.chat.ChatService/ListConversations';
const DESCRIBE = '/twirp/acai.chat.ChatService/DescribeConversation';
const protoDir = fileURLToPath(new URL('../../../proto', import.meta.url));

/** What the stub saw, so tests assert on decoded requests and on the context. */
interface Seen {
  requests: unknown[];
  contexts: RpcContext[];
}

/** A stub chat service whose behaviour is chosen by the message text. */
function stubChatService(seen: Seen): ChatServiceImplementation {
  return {
    async startConversation(request, context) {
      seen.requests.push(request);
      seen.contexts.push(context);
      switch (request.message) {
        case 'throw':
          throw new Error('mongo: connection refused at 10.0.0.7:27017 (password=hunter2)');
        case 'rate':
          throw new HostError('HOST_RATE_LIMITED', 'rate limit exceeded', { meta: { retry_after_seconds: '7' } });
        case 'hang':
          return new Promise(() => undefined); // ignores the signal: the transport must still answer
        case 'wait-for-abort':
          return new Promise((_resolve, reject) => {
            context.signal.addEventListener('abort', () => reject(context.signal.reason), { once: true });
          });
        case 'bad-output':
          return { conversationId: 42 as unknown as string };
        default:
          if (request.message.trim() === '') throw invalidArgument('message', 'message is required');
          return { conversationId: 'conv-1', title: 'Greeting', reply: `echo: ${request.message}` };
      }
    },
    async continueConversation(request, context) {
      seen.requests.push(request);
      seen.contexts.push(context);
      return {
        reply: `${request.conversationId}|${request.message}|${request.sessionMetadata?.platform ?? ''}|${request.sessionMetadata?.userId ?? ''}|${request.sessionMetadata?.chatId ?? ''}`,
      };
    },
    async listConversations(request) {
      seen.requests.push(request);
      if (request.pageSize === 0) return {};
      return {
        conversations: [{ id: 'conv-1', title: 'Greeting', timestamp: timestampFromDate(new Date('2025-11-07T20:15:00Z')) }],
        nextPageToken: 'page-2',
      };
    },
    async describeConversation(request) {
      seen.requests.push(request);
      if (request.conversationId === 'missing') throw new HostError('HOST_CONVERSATION_NOT_FOUND', 'conversation not found');
      return {
        conversation: {
          id: request.conversationId,
          title: 'Weather',
          timestamp: { seconds: 1762546500n, nanos: 123_000_000 },
          messages: [
            { id: 'm1', role: Conversation_Role.USER, content: 'weather in Paris?', timestamp: { seconds: 1762546500n, nanos: 0 } },
            {
              id: 'm2',
              role: Conversation_Role.ASSISTANT,
              content: 'Sunny, 21°C',
              timestamp: { seconds: 1762546501n, nanos: 500 },
              toolCalls: [
                {
                  id: 'call-1',
                  name: 'weather__get_forecast',
                  plugin: '@acai/plugin-weather',
                  pluginVersion: '1.2.0',
                  arguments: '{"city":"Paris"}',
                  outcome: 'ok',
                  durationMs: 12,
                  schemaFingerprint: 'sha256:abc',
                },
              ],
            },
            { id: 'm3', role: Conversation_Role.UNKNOWN, content: '' },
          ],
        },
      };
    },
    // The methods added later answer like any unary RPC; their behaviour is tested against the real use cases.
    async renameConversation(request) {
      seen.requests.push(request);
      return { conversation: { id: request.conversationId, title: request.title } };
    },
    async deleteConversation(request) {
      seen.requests.push(request);
      return {};
    },
    async exportConversation(request) {
      seen.requests.push(request);
      return { fileName: 'x.json', contentType: 'application/json', content: '{}' };
    },
    async regenerateReply(request) {
      seen.requests.push(request);
      return { conversationId: request.conversationId, messageId: request.messageId };
    },
  };
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function buildApp(
  options: Partial<TwirpPluginOptions<never>> = {},
): Promise<{ app: FastifyInstance; seen: Seen }> {
  const seen: Seen = { requests: [], contexts: [] };
  const app = Fastify();
  apps.push(app);
  await app.register(twirpPlugin, { service: ChatService, implementation: stubChatService(seen), ...options });
  return { app, seen };
}

async function postJson(app: FastifyInstance, url: string, body: string, contentType = 'application/json') {
  return app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload: body });
}

async function postProtobuf(app: FastifyInstance, url: string, body: Uint8Array) {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/protobuf' },
    payload: Buffer.from(body),
  });
}

describe('twirpPlugin routing', () => {
  it.each(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const)('rejects %s with bad_route 404', async (method) => {
    const { app } = await buildApp();
    const response = await app.inject({ method, url: START });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json()).toEqual({
      code: 'bad_route',
      msg: `unsupported method "${method}" (only POST is allowed)`,
      meta: { twirp_invalid_route: `${method} ${START}` },
    });
  });

  it('rejects HEAD with a bodiless 404', async () => {
    const { app } = await buildApp();
    const response = await app.inject({ method: 'HEAD', url: START });
    expect(response.statusCode).toBe(404);
  });

  it.each([
    ['an unknown method', '/twirp/acai.chat.ChatService/DropConversation'],
    ['an unknown service', '/twirp/chat.ChatService/StartConversation'],
    ['a lowercase method name', '/twirp/acai.chat.ChatService/startConversation'],
    ['extra path segments', `${START}/extra`],
    ['the bare prefix', '/twirp'],
    ['the service without a method', '/twirp/acai.chat.ChatService'],
  ])('answers %s with bad_route naming the path', async (_case, path) => {
    const { app } = await buildApp();
    const response = await postJson(app, path, '{}');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      code: 'bad_route',
      msg: `no handler for path "${path}"`,
      meta: { twirp_invalid_route: `POST ${path}` },
    });
  });

  it('reports the path without its query string, as Go reports URL.Path', async () => {
    const { app } = await buildApp();
    const response = await postJson(app, '/twirp/acai.chat.ChatService/Nope?debug=1', '{}');
    expect(response.json().meta).toEqual({ twirp_invalid_route: 'POST /twirp/acai.chat.ChatService/Nope' });
  });

  it('still serves a known method when the URL has a query string', async () => {
    const { app } = await buildApp();
    const response = await postJson(app, `${START}?x=1`, '{"message":"hi"}');
    expect(response.statusCode).toBe(200);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data; boundary=x'])(
    'rejects Content-Type %s with bad_route before reading the body',
    async (contentType) => {
      const { app, seen } = await buildApp();
      const response = await postJson(app, START, '{"message":"hi"}', contentType);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        code: 'bad_route',
        msg: `unexpected Content-Type: "${contentType}"`,
        meta: { twirp_invalid_route: `POST ${START}` },
      });
      expect(seen.requests).toHaveLength(0);
    },
  );

  it('rejects a missing Content-Type with the empty string quoted', async () => {
    const { app } = await buildApp();
    const response = await app.inject({ method: 'POST', url: START, payload: '{"message":"hi"}', headers: { 'content-type': '' } });
    expect(response.json()).toMatchObject({ code: 'bad_route', msg: 'unexpected Content-Type: ""' });
  });

  it('checks the Content-Type before the body size', async () => {
    const { app } = await buildApp({ bodyLimitBytes: 16 });
    const response = await postJson(app, START, 'x'.repeat(1000), 'text/plain');
    expect(response.json()).toMatchObject({ code: 'bad_route' });
  });

  it.each(['application/json; charset=utf-8', 'Application/JSON', ' application/json ;foo=bar'])(
    'accepts Content-Type %j (case folded, parameters ignored) and answers with the bare type',
    async (contentType) => {
      const { app } = await buildApp();
      const response = await postJson(app, START, '{"message":"hi"}', contentType);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json');
    },
  );

  it('leaves routes outside the prefix, their parsers and their 404s alone', async () => {
    const { app } = await buildApp();
    app.post('/echo', async (request) => ({ body: request.body }));
    const echoed = await postJson(app, '/echo', '{"a":1}');
    expect(echoed.json()).toEqual({ body: { a: 1 } });
    const notFound = await app.inject({ method: 'GET', url: '/health' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).not.toHaveProperty('code');
  });

  it('serves another service under the same prefix with a shared catch-all', async () => {
    const { app } = await buildApp();
    const echo = echoService();
    await app.register(twirpPlugin, {
      service: echo.service,
      // A descriptor built at run time carries no message types, so fields are read reflectively.
      implementation: { ping: async (request: object) => ({ text: `pong ${String(Reflect.get(request, 'text'))}` }) },
    });
    const pong = await postJson(app, '/twirp/test.echo.Echo/Ping', '{"text":"a"}');
    expect(pong.json()).toEqual({ text: 'pong a' });
    const chat = await postJson(app, START, '{"message":"hi"}');
    expect(chat.statusCode).toBe(200);
    const unknown = await postJson(app, '/twirp/test.echo.Echo/Nope', '{}');
    expect(unknown.json()).toMatchObject({ code: 'bad_route', msg: 'no handler for path "/twirp/test.echo.Echo/Nope"' });
    const unknownService = await postJson(app, '/twirp/other.Svc/Nope', '{}');
    expect(unknownService.json()).toMatchObject({ code: 'bad_route' });
  });

  it('serves under a custom prefix', async () => {
    const { app } = await buildApp({ prefix: '/api/rpc/' });
    const served = await postJson(app, '/api/rpc/acai.chat.ChatService/StartConversation', '{"message":"hi"}');
    expect(served.statusCode).toBe(200);
    const unknown = await postJson(app, '/api/rpc/x.Y/Z', '{}');
    expect(unknown.json()).toMatchObject({ code: 'bad_route' });
  });

  it('fails registration when the implementation lacks a method', async () => {
    const app = Fastify();
    apps.push(app);
    const { describeConversation: _omitted, ...partial } = stubChatService({ requests: [], contexts: [] });
    await expect(
      app.register(twirpPlugin, { service: ChatService, implementation: partial as ChatServiceImplementation }),
    ).rejects.toThrow(/no function "describeConversation" for DescribeConversation/);
  });
});

describe('twirpPlugin JSON encoding', () => {
  it('round-trips StartConversation with proto field names out', async () => {
    const { app, seen } = await buildApp();
    const response = await postJson(app, START, '{"message":"hello"}');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toBe('{"conversation_id":"conv-1","title":"Greeting","reply":"echo: hello"}');
    expect(seen.requests[0]).toMatchObject({ message: 'hello' });
  });

  it('accepts snake_case and lowerCamelCase field names', async () => {
    const { app } = await buildApp();
    const snake = await postJson(
      app,
      CONTINUE,
      '{"conversation_id":"c1","message":"m","session_metadata":{"platform":"telegram","user_id":"u1","chat_id":"c9"}}',
    );
    const camel = await postJson(
      app,
      CONTINUE,
      '{"conversationId":"c1","message":"m","sessionMetadata":{"platform":"telegram","userId":"u1","chatId":"c9"}}',
    );
    expect(snake.json()).toEqual({ reply: 'c1|m|telegram|u1|c9' });
    expect(camel.json()).toEqual({ reply: 'c1|m|telegram|u1|c9' });
  });

  it('accepts the body the Go JSON client sends (defaults emitted, unset messages as null)', async () => {
    const { app } = await buildApp();
    const response = await postJson(app, CONTINUE, '{"conversation_id":"c1","message":"hi","session_metadata":null}');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ reply: 'c1|hi|||' });
  });

  it('ignores unknown fields, unknown nested fields and null values', async () => {
    const { app } = await buildApp();
    const response = await postJson(
      app,
      CONTINUE,
      '{"conversation_id":"c1","message":"m","extra":{"deep":[1,2]},"session_metadata":{"platform":"web","locale":"fr"},"title":null}',
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ reply: 'c1|m|web||' });
  });

  it('omits default values: an empty response is {}', async () => {
    const { app } = await buildApp();
    const response = await postJson(app, LIST, '{}');
    expect(response.body).toBe('{}');
  });

  it('writes enums by name, RFC 3339 timestamps and uint32 as numbers, omitting empty fields', async () => {
    const { app } = await buildApp();
    const response = await postJson(app, DESCRIBE, '{"conversation_id":"conv-1"}');
    expect(response.json()).toEqual({
      conversation: {
        id: 'conv-1',
        title: 'Weather',
        timestamp: '2025-11-07T20:15:00.123Z',
        messages: [
          { id: 'm1', role: 'USER', content: 'weather in Paris?', timestamp: '2025-11-07T20:15:00Z' },
          {
            id: 'm2',
            role: 'ASSISTANT',
            content: 'Sunny, 21°C',
            timestamp: '2025-11-07T20:15:01.000000500Z',
            tool_calls: [
              {
                id: 'call-1',
                name: 'weather__get_forecast',
                plugin: '@acai/plugin-weather',
                plugin_version: '1.2.0',
                arguments: '{"city":"Paris"}',
                outcome: 'ok',
                duration_ms: 12,
                schema_fingerprint: 'sha256:abc',
              },
            ],
          },
          { id: 'm3' },
        ],
      },
    });
  });

  it('accepts uint32 as a JSON string and a number, as protojson does', async () => {
    const { app, seen } = await buildApp();
    await postJson(app, LIST, '{"page_size":"5","page_token":"t"}');
    await postJson(app, LIST, '{"pageSize":7}');
    expect(seen.requests).toMatchObject([{ pageSize: 5, pageToken: 't' }, { pageSize: 7 }]);
  });
});

describe('twirpPlugin malformed requests', () => {
  const JSON_MALFORMED = { code: 'malformed', msg: 'the json request could not be decoded' };
  const PROTOBUF_MALFORMED = { code: 'malformed', msg: 'the protobuf request could not be decoded' };

  it.each([
    ['a syntax error', '{"message":'],
    ['an empty body', ''],
    ['null', 'null'],
    ['an array', '[{"message":"hi"}]'],
    ['a number', '42'],
    ['a string', '"hi"'],
    ['a number for a string field', '{"message":123}'],
    ['an object for a string field', '{"message":{"text":"hi"}}'],
    ['a string for a message field', '{"message":"hi","session_metadata":"telegram"}'],
    ['a negative uint32', '{"page_size":-1}'],
    ['a fractional uint32', '{"page_size":1.5}'],
    ['trailing garbage', '{"message":"hi"} x'],
    ['a byte-order mark', '\uFEFF{"message":"hi"}'],
  ])('answers %s with malformed 400', async (_case, body) => {
    const { app, seen } = await buildApp();
    const url = body.includes('page_size') ? LIST : START;
    const response = await postJson(app, url, body);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json()).toEqual(JSON_MALFORMED);
    expect(seen.requests).toHaveLength(0);
  });

  it('answers invalid UTF-8 in a JSON body with malformed 400', async () => {
    const { app } = await buildApp();
    const body = Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const response = await app.inject({ method: 'POST', url: START, headers: { 'content-type': 'application/json' }, payload: body });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(JSON_MALFORMED);
  });

  it.each([
    ['a truncated string field', [0x0a, 0x05, 0x61]],
    ['invalid UTF-8 in a string field', [0x0a, 0x02, 0xff, 0xfe]],
    ['a truncated varint', [0x08, 0xff]],
    ['a wrong wire type for a string field', [0x0d, 0x01, 0x02, 0x03, 0x04]],
    ['field number zero', [0x00, 0x01]],
    ['a nested message that overruns its parent', [0x12, 0x10, 0x0a, 0x01]],
  ])('answers %s in a protobuf body with malformed 400 (as JSON)', async (_case, bytes) => {
    const { app } = await buildApp();
    const response = await postProtobuf(app, START, Uint8Array.from(bytes));
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json()).toEqual(PROTOBUF_MALFORMED);
  });

  it('accepts an empty protobuf body as the empty message', async () => {
    const { app } = await buildApp();
    const response = await postProtobuf(app, LIST, new Uint8Array());
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.length).toBe(0);
  });

  it('answers a body over the limit with HTTP 413 and resource_exhausted naming the limit', async () => {
    const { app, seen } = await buildApp({ bodyLimitBytes: 1024 });
    const response = await postJson(app, START, JSON.stringify({ message: 'x'.repeat(2000) }));
    expect(response.statusCode).toBe(413);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(response.json()).toEqual({
      code: 'resource_exhausted',
      msg: 'request body too large: the limit is 1024 bytes (MAX_BODY_BYTES); send a smaller request',
      meta: { argument: 'body', reason: 'body_too_large', limit_bytes: '1024' },
    });
    expect(seen.requests).toHaveLength(0);
  });

  it('limits bodies to 1 MiB by default, for protobuf too', async () => {
    const { app } = await buildApp();
    const huge = toBinary(StartConversationRequestSchema, create(StartConversationRequestSchema, { message: 'x'.repeat(1024 * 1024) }));
    const response = await postProtobuf(app, START, huge);
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'resource_exhausted', meta: { argument: 'body', limit_bytes: String(1024 * 1024) } });
  });

  it('answers a chunked upload over the limit with a Twirp error over a real socket', async () => {
    const { app } = await buildApp({ bodyLimitBytes: 1024 });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = httpRequest(`${url}${START}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      outgoing.on('response', (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (text += chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body: text }));
      });
      outgoing.on('error', reject);
      outgoing.write('{"message":"');
      outgoing.write('x'.repeat(4096));
      outgoing.end('"}');
    });
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ code: 'resource_exhausted', meta: { argument: 'body', limit_bytes: '1024' } });
  });
});

describe('twirpPlugin protobuf encoding', () => {
  it('round-trips StartConversation in binary protobuf', async () => {
    const { app, seen } = await buildApp();
    const request = create(StartConversationRequestSchema, {
      message: 'hello ünïcödé 👋',
      sessionMetadata: { platform: 'telegram', userId: 'u1', chatId: 'c1' },
    });
    const response = await postProtobuf(app, START, toBinary(StartConversationRequestSchema, request));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/protobuf');
    const decoded = fromBinary(StartConversationResponseSchema, response.rawPayload);
    expect(decoded).toMatchObject({ conversationId: 'conv-1', title: 'Greeting', reply: 'echo: hello ünïcödé 👋' });
    expect(seen.requests[0]).toMatchObject({ sessionMetadata: { platform: 'telegram', userId: 'u1', chatId: 'c1' } });
  });

  it('round-trips nested messages, enums and timestamps in binary protobuf', async () => {
    const { app } = await buildApp();
    const response = await postProtobuf(
      app,
      DESCRIBE,
      toBinary(ContinueConversationRequestSchema, create(ContinueConversationRequestSchema, { conversationId: 'conv-9' })),
    );
    const decoded = fromBinary(DescribeConversationResponseSchema, response.rawPayload);
    expect(decoded.conversation?.id).toBe('conv-9');
    expect(decoded.conversation?.timestamp).toMatchObject({ seconds: 1762546500n, nanos: 123_000_000 });
    expect(decoded.conversation?.messages.map((message) => message.role)).toEqual([
      Conversation_Role.USER,
      Conversation_Role.ASSISTANT,
      Conversation_Role.UNKNOWN,
    ]);
    expect(decoded.conversation?.messages[1]?.toolCalls[0]).toMatchObject({ durationMs: 12, pluginVersion: '1.2.0' });
  });

  it('interoperates with protoc --encode/--decode over HTTP (an independent codec)', async () => {
    const { app } = await buildApp();
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const protoc = (args: string[], input: Buffer | string): Buffer =>
      execFileSync('protoc', ['-I', protoDir, ...args, 'chat.proto'], { input, cwd: protoDir });

    const startBody = protoc(
      ['--encode=acai.chat.StartConversationRequest'],
      'message: "hi from protoc" session_metadata { platform: "api" user_id: "u" chat_id: "c" }',
    );
    const started = await fetch(`${base}${START}`, {
      method: 'POST',
      headers: { 'content-type': 'application/protobuf' },
      body: startBody,
    });
    expect(started.status).toBe(200);
    expect(started.headers.get('content-type')).toBe('application/protobuf');
    const startText = protoc(['--decode=acai.chat.StartConversationResponse'], Buffer.from(await started.arrayBuffer())).toString();
    expect(startText).toBe('conversation_id: "conv-1"\ntitle: "Greeting"\nreply: "echo: hi from protoc"\n');

    const describeBody = protoc(['--encode=acai.chat.DescribeConversationRequest'], 'conversation_id: "conv-7"');
    const described = await fetch(`${base}${DESCRIBE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/protobuf' },
      body: describeBody,
    });
    const describeText = protoc(
      ['--decode=acai.chat.DescribeConversationResponse'],
      Buffer.from(await described.arrayBuffer()),
    ).toString();
    expect(describeText).toContain('id: "conv-7"');
    expect(describeText).toContain('timestamp {\n    seconds: 1762546500\n    nanos: 123000000\n  }');
    expect(describeText).toContain('role: USER');
    expect(describeText).toContain('role: ASSISTANT');
    expect(describeText).toContain('duration_ms: 12');
  });
});

describe('twirpPlugin errors and context', () => {
  it('turns a plain Error into internal 500 without leaking its message', async () => {
    const { app } = await buildApp();
    const response = await postJson(app, START, '{"message":"throw"}');
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"code":"internal","msg":"internal error"}');
    expect(response.body).not.toContain('hunter2');
  });

  it('sends error bodies as JSON for protobuf requests too', async () => {
    const { app } = await buildApp();
    const body = toBinary(StartConversationRequestSchema, create(StartConversationRequestSchema, { message: 'throw' }));
    const response = await postProtobuf(app, START, body);
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json()).toEqual({ code: 'internal', msg: 'internal error' });
  });

  it('maps a HostError invalid argument to 400 with meta.argument', async () => {
    const { app } = await buildApp();
    const response = await postJson(app, START, '{"message":"   "}');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ code: 'invalid_argument', msg: 'message is required', meta: { argument: 'message' } });
  });

  it('maps not_found to 404', async () => {
    const { app } = await buildApp();
    const response = await postJson(app, DESCRIBE, '{"conversation_id":"missing"}');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ code: 'not_found', msg: 'conversation not found' });
  });

  it('sends the headers of a Twirp error (Retry-After on resource_exhausted)', async () => {
    const { app } = await buildApp();
    const response = await postJson(app, START, '{"message":"rate"}');
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json()).toEqual({ code: 'resource_exhausted', msg: 'rate limit exceeded', meta: { retry_after_seconds: '7' } });
  });

  it('answers internal when the handler returns a value that does not fit the output message', async () => {
    const { app } = await buildApp();
    const response = await postJson(app, START, '{"message":"bad-output"}');
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ code: 'internal', msg: 'internal error' });
  });

  it('answers deadline_exceeded 408 when a handler ignores the deadline', async () => {
    const { app, seen } = await buildApp({ requestDeadlineMs: 20 });
    const response = await postJson(app, START, '{"message":"hang"}');
    expect(response.statusCode).toBe(408);
    expect(response.json()).toEqual({ code: 'deadline_exceeded', msg: 'request deadline exceeded' });
    expect(seen.contexts[0]?.signal.aborted).toBe(true);
  });

  it('aborts the context signal at the deadline so handlers can stop', async () => {
    const { app, seen } = await buildApp({ requestDeadlineMs: 20, now: () => 1_000 });
    const response = await postJson(app, START, '{"message":"wait-for-abort"}');
    expect(response.statusCode).toBe(408);
    expect(response.json()).toMatchObject({ code: 'deadline_exceeded' });
    const context = seen.contexts[0];
    expect(context?.deadline).toBe(1_020);
    expect(HostError.isInstance(context?.signal.reason) && context.signal.reason.code).toBe('HOST_DEADLINE_EXCEEDED');
  });

  it('answers deadline_exceeded when the deadline passed while createContext ran, without starting the method', async () => {
    const { app, seen } = await buildApp({
      requestDeadlineMs: 20,
      createContext: () => new Promise((resolve) => setTimeout(() => resolve({}), 60)),
    });
    const response = await postJson(app, START, '{"message":"hi"}');
    expect(response.statusCode).toBe(408);
    expect(response.json()).toEqual({ code: 'deadline_exceeded', msg: 'request deadline exceeded' });
    expect(seen.requests).toHaveLength(0);
  });

  it('aborts the context signal when the client disconnects', async () => {
    const { app, seen } = await buildApp();
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const outgoing = httpRequest(`${url}${START}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    outgoing.on('error', () => undefined);
    outgoing.end('{"message":"wait-for-abort"}');
    await waitFor(() => seen.contexts.length === 1);
    const signal = seen.contexts[0]!.signal;
    expect(signal.aborted).toBe(false);
    const aborted = new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason)));
    outgoing.destroy();
    const reason = await aborted;
    expect(HostError.isInstance(reason) && reason.code).toBe('HOST_CANCELED');
  });

  it('builds the context from the request and merges createContext', async () => {
    const { app, seen } = await buildApp({
      createContext: (request) => ({ principal: { tenant: request.headers['x-tenant'] } }),
    });
    await app.inject({
      method: 'POST',
      url: START,
      headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
      payload: '{"message":"hi"}',
    });
    const context = seen.contexts[0];
    expect(context?.principal).toEqual({ tenant: 'acme' });
    expect(context?.requestId).toMatch(/^req-/);
    expect(context?.clientIp).toBe('127.0.0.1');
    expect(context?.headers['x-tenant']).toBe('acme');
    expect(context?.signal.aborted).toBe(false);
    expect(typeof context?.logger.info).toBe('function');
  });

  it('answers a synchronous throw from createContext or from a method like a rejection, without leaking it', async () => {
    const { app: contextThrows, seen } = await buildApp({
      createContext: () => {
        throw new HostError('HOST_PERMISSION_DENIED', 'no chat scope');
      },
    });
    const refused = await postJson(contextThrows, START, '{"message":"hi"}');
    expect([refused.statusCode, refused.json()]).toEqual([403, { code: 'permission_denied', msg: 'no chat scope' }]);
    expect(seen.requests).toHaveLength(0);

    const implementation = {
      ...stubChatService({ requests: [], contexts: [] }),
      startConversation: () => {
        throw new Error('sync failure with password=hunter2');
      },
    } as unknown as ChatServiceImplementation;
    const { app: methodThrows } = await buildApp({ implementation: implementation as never });
    const failed = await postJson(methodThrows, START, '{"message":"hi"}');
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toMatchObject({ code: 'internal' });
    expect(failed.body).not.toContain('hunter2');
  });

  it('answers with the mapped error when createContext rejects the call', async () => {
    const { app, seen } = await buildApp({
      createContext: async () => {
        throw new HostError('HOST_UNAUTHENTICATED', 'missing API key');
      },
    });
    const response = await postJson(app, START, '{"message":"hi"}');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ code: 'unauthenticated', msg: 'missing API key' });
    expect(seen.requests).toHaveLength(0);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** A second service built at run time, to prove services share a prefix. */
function echoService(): { service: GenService<{ ping: { methodKind: 'unary'; input: DescMessage; output: DescMessage } }> } {
  const file = create(FileDescriptorProtoSchema, {
    name: 'echo.proto',
    package: 'test.echo',
    syntax: 'proto3',
    messageType: [
      {
        name: 'Ping',
        field: [
          { name: 'text', number: 1, type: FieldDescriptorProto_Type.STRING, label: FieldDescriptorProto_Label.OPTIONAL, jsonName: 'text' },
        ],
      },
    ],
    service: [{ name: 'Echo', method: [{ name: 'Ping', inputType: '.test.echo.Ping', outputType: '.test.echo.Ping' }] }],
  });
  const registry = createFileRegistry(file, () => undefined);
  const service = registry.getService('test.echo.Echo');
  if (service === undefined) throw new Error('echo service missing');
  return { service: service as never };
}
