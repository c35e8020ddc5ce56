import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { scaledMs } from '../support/timing.js';
import { bearer, fakeModelEnv, scriptedAssistant, startTestHost, twirpJson, type RunningTestHost, sharedServicesEnv } from './host-support.js';

const run = promisify(execFile);
const KEY_A = 'acai_e2e_tenant_a_key_0123456789abcdef';
const KEY_B = 'acai_e2e_tenant_b_key_0123456789abcdef';
const KEY_OPS = 'acai_e2e_operator_key_0123456789abcdef';
const PROTO_DIR = new URL('../../proto', import.meta.url).pathname;
const GO_CLIENT = new URL('../go-client/run.sh', import.meta.url).pathname;

let fake: FakeOpenAIServer;
let host: RunningTestHost;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
  host = await startTestHost({
    ...fakeModelEnv(fake),
    ...sharedServicesEnv('e2e_chat'),
    ACAI_API_KEYS: `${KEY_A}:tenant-a:chat,${KEY_B}:tenant-b:chat,${KEY_OPS}:ops:metrics+admin`,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_BURST: '100000',
    // This suite is about the API, not load shedding (edge-admission tests that): the host shares a busy test
    // process, whose event-loop delay would lower the adaptive admission limit below the 50 concurrent turns
    // one test sends. A fixed limit keeps admission on without that.
    ADMISSION_TARGET_LOOP_DELAY_MS: '0',
  });
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
});

describe('the chat API on the real host (MongoDB-wire store, Redis, shipped plugins, fake model)', () => {
  let conversationId = '';

  it('starts a conversation that calls a plugin tool and records the call with its provenance', async () => {
    const started = await twirpJson(host.url, 'StartConversation', { message: 'What time is it in Madrid?' }, bearer(KEY_A));
    expect(started.status).toBe(200);
    expect(started.body.conversation_id).toMatch(/^[0-9a-f]{24}$/);
    expect(started.body.title).toBe('Asking About the Time');
    expect(started.body.reply).toMatch(/^The tool said: /);
    expect(started.body.tool_calls).toHaveLength(1);
    expect(started.body.tool_calls[0]).toMatchObject({
      name: 'datetime__get_current_time',
      plugin: 'datetime',
      plugin_version: '1.0.0',
      outcome: 'ok',
    });
    expect(started.body.tool_calls[0].schema_fingerprint).toMatch(/^[0-9a-f]{16}$/);
    conversationId = started.body.conversation_id;

    // The model got the tool list with strict schemas and then the tool's result.
    const replyRequests = fake.completionBodies('fake-chat');
    const withResult = replyRequests.find((body) => body.messages.some((message) => message.role === 'tool'));
    expect(withResult?.messages.find((message) => message.role === 'tool')?.content).toContain('Europe/Madrid');
    expect(replyRequests[0]?.tools?.every((tool) => tool.function.strict === true)).toBe(true);
  });

  it('describes the conversation with both messages and the turn’s tool calls, and lists it without messages', async () => {
    const described = await twirpJson(host.url, 'DescribeConversation', { conversation_id: conversationId }, bearer(KEY_A));
    expect(described.status).toBe(200);
    const messages = described.body.conversation.messages as Array<Record<string, any>>;
    expect(messages.map((message) => message.role)).toEqual(['USER', 'ASSISTANT']);
    expect(messages[0]?.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(messages[1]?.tool_calls?.[0]?.plugin).toBe('datetime');

    const listed = await twirpJson(host.url, 'ListConversations', {}, bearer(KEY_A));
    expect(listed.status).toBe(200);
    const entry = listed.body.conversations.find((conversation: { id: string }) => conversation.id === conversationId);
    expect(entry).toMatchObject({ id: conversationId, title: 'Asking About the Time' });
    expect(entry).not.toHaveProperty('messages');
  });

  it('answers binary protobuf requests encoded by protoc itself', async () => {
    const encoded = spawnSync('protoc', ['-I', PROTO_DIR, '--encode=acai.chat.DescribeConversationRequest', 'chat.proto'], {
      input: `conversation_id: "${conversationId}"`,
    });
    expect(encoded.status).toBe(0);
    // fetch, not a synchronous child process: the server runs on this very event loop.
    const response = await fetch(`${host.url}/twirp/acai.chat.ChatService/DescribeConversation`, {
      method: 'POST',
      headers: { 'content-type': 'application/protobuf', ...bearer(KEY_A) },
      body: encoded.stdout,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/protobuf');
    const body = Buffer.from(await response.arrayBuffer());
    const decoded = spawnSync('protoc', ['-I', PROTO_DIR, '--decode=acai.chat.DescribeConversationResponse', 'chat.proto'], { input: body });
    expect(decoded.status).toBe(0);
    const text = decoded.stdout.toString();
    expect(text).toContain(`id: "${conversationId}"`);
    expect(text).toContain('role: USER');
    expect(text).toContain('plugin: "datetime"');
  });

  it('answers not_found for ids with odd characters and malformed for bytes that are not UTF-8, in JSON and protobuf, as the old service did', async () => {
    const post = async (method: string, contentType: string, body: Uint8Array | string) => {
      const response = await fetch(`${host.url}/twirp/acai.chat.ChatService/${method}`, {
        method: 'POST',
        headers: { 'content-type': contentType, ...bearer(KEY_A) },
        body,
      });
      return { status: response.status, body: JSON.parse(Buffer.from(await response.arrayBuffer()).toString('utf8')) as unknown };
    };
    const NOT_FOUND = { code: 'not_found', msg: 'invalid conversation ID' };
    const METHODS = ['DescribeConversation', 'ContinueConversation'] as const;
    const before = fake.completionBodies().length;

    // Decodable ids no conversation can have: NUL, a bidi override, U+FFFD, a surrogate pair, full-width digits.
    const jsonIds = [`${conversationId}\\u0000`, `\\u202e${conversationId.slice(1)}`, `${conversationId.slice(0, 23)}\\ufffd`, `\\ud83d\\ude00${conversationId.slice(2)}`, '０'.repeat(24)];
    for (const id of jsonIds) {
      for (const method of METHODS) {
        const response = await post(method, 'application/json', `{"conversation_id":"${id}","message":"hi"}`);
        expect(response, `${method} ${id}`).toEqual({ status: 404, body: NOT_FOUND });
      }
    }
    // Protobuf: field 1 (conversation_id), then (Continue) field 2, the message.
    const field = (number: number, bytes: Buffer) => Buffer.concat([Buffer.from([(number << 3) | 2, bytes.length]), bytes]);
    const protobufBody = (method: string, id: Buffer) => (method === 'DescribeConversation' ? field(1, id) : Buffer.concat([field(1, id), field(2, Buffer.from('hi'))]));
    for (const id of [Buffer.alloc(24), Buffer.from('０'.repeat(8)), Buffer.from(`${conversationId.slice(0, 22)}\u00e9`)]) {
      for (const method of METHODS) {
        expect(await post(method, 'application/protobuf', protobufBody(method, id)), `${method} ${id.toString('hex')}`).toEqual({ status: 404, body: NOT_FOUND });
      }
    }

    // Bytes that are not UTF-8 (raw, or a lone surrogate escape) make the whole request undecodable: malformed, as
    // Go's protojson and proto.Unmarshal answered; the id is never looked at.
    const notUtf8 = Buffer.from(Array.from({ length: 24 }, (_, index) => 0x80 + index));
    const rawJson = Buffer.concat([Buffer.from('{"conversation_id":"'), notUtf8, Buffer.from('","message":"hi"}')]);
    for (const method of METHODS) {
      for (const body of [rawJson, `{"conversation_id":"\\ud800${conversationId.slice(1)}","message":"hi"}`]) {
        expect(await post(method, 'application/json', body), method).toEqual({ status: 400, body: { code: 'malformed', msg: 'the json request could not be decoded' } });
      }
      expect(await post(method, 'application/protobuf', protobufBody(method, notUtf8)), method).toEqual({
        status: 400,
        body: { code: 'malformed', msg: 'the protobuf request could not be decoded' },
      });
    }
    expect(fake.completionBodies().length).toBe(before);
  });

  it('never crosses tenants: another tenant sees not_found on every RPC and an empty list', async () => {
    for (const [method, body] of [
      ['DescribeConversation', { conversation_id: conversationId }],
      ['ContinueConversation', { conversation_id: conversationId, message: 'hello from tenant b' }],
    ] as const) {
      const response = await twirpJson(host.url, method, body, bearer(KEY_B));
      expect(response.status, method).toBe(404);
      expect(response.body.code).toBe('not_found');
      expect(JSON.stringify(response.body)).not.toContain('Madrid');
    }
    const listed = await twirpJson(host.url, 'ListConversations', {}, bearer(KEY_B));
    expect(listed.body.conversations ?? []).toEqual([]);
  });

  it('refuses missing and wrong keys with unauthenticated and a key without the chat scope with permission_denied', async () => {
    const missing = await twirpJson(host.url, 'ListConversations', {});
    expect([missing.status, missing.body.code]).toEqual([401, 'unauthenticated']);
    const wrong = await twirpJson(host.url, 'ListConversations', {}, bearer('acai_not_a_real_key_000000000000000'));
    expect([wrong.status, wrong.body.code]).toEqual([401, 'unauthenticated']);
    const viaHeader = await twirpJson(host.url, 'ListConversations', {}, { 'x-api-key': KEY_A });
    expect(viaHeader.status).toBe(200);
    const noScope = await twirpJson(host.url, 'ListConversations', {}, bearer(KEY_OPS));
    expect([noScope.status, noScope.body.code]).toEqual([403, 'permission_denied']);
  });

  it('keeps every message of 50 concurrent turns on one conversation, each reply right after its question', async () => {
    const started = await twirpJson(host.url, 'StartConversation', { message: 'start of the burst' }, bearer(KEY_A));
    const id = started.body.conversation_id as string;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        twirpJson(host.url, 'ContinueConversation', { conversation_id: id, message: `burst message ${index}` }, bearer(KEY_A)),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(Array(50).fill(200));
    const described = await twirpJson(host.url, 'DescribeConversation', { conversation_id: id }, bearer(KEY_A));
    const messages = described.body.conversation.messages as Array<{ role: string; content: string }>;
    expect(messages).toHaveLength(2 + 100);
    const burst = messages.slice(2);
    for (let index = 0; index < burst.length; index += 2) {
      expect(burst[index]?.role).toBe('USER');
      expect(burst[index + 1]?.role).toBe('ASSISTANT');
      expect(burst[index + 1]?.content).toBe(`echo: ${burst[index]?.content}`);
    }
    expect(new Set(burst.filter((message) => message.role === 'USER').map((message) => message.content)).size).toBe(50);
  });

  it('serves a client generated by the official protoc-gen-twirp (all four RPCs, JSON and protobuf)', async () => {
    const { stdout } = await run('bash', [GO_CLIENT, '-api-key', KEY_A, host.url], { timeout: scaledMs(240_000) });
    expect(stdout).toMatch(/PASS|ok/i);
    expect(stdout).not.toMatch(/FAIL/);
  }, scaledMs(300_000));

  it('exposes Prometheus metrics to the metrics scope that pass promtool', async () => {
    const denied = await fetch(`${host.url}/metrics`, { headers: bearer(KEY_A) });
    expect(denied.status).toBe(403);
    const scrape = await fetch(`${host.url}/metrics`, { headers: bearer(KEY_OPS) });
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(text).toContain('acai_tool_calls_total{plugin="datetime",tool="get_current_time",outcome="ok"}');
    expect(text).toMatch(/acai_model_tokens_total\{model="fake-chat",type="input"\} \d+/);
    expect(text).toMatch(/acai_http_requests_total\{route="\/twirp\/acai\.chat\.ChatService\/StartConversation",method="POST",status="200"\}/);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text });
    expect(check.stderr.toString() + check.stdout.toString()).toBe('');
    expect(check.status).toBe(0);
  });
});
