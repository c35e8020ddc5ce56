import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { mongoUrlWithDatabase, requireMongoUrl, uniqueName } from '../support/env.js';
import { startPrivateRedis, type PrivateRedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/timing.js';
import { startHostProcess, type HostProcess } from './edge-support.js';
import { bearer, CHAT_MODEL, fakeModelEnv, twirpJson } from './host-support.js';

// Admission control on the host as operators run it (core/dist/main.js in its own process) on the
// MongoDB wire protocol (the suite's FerretDB) with a Redis of its own: a replica at its bound refuses
// further turns at once with Twirp `unavailable` and Retry-After instead of queueing them, and keeps
// doing so while Redis is gone (sessions fall back to the store); after Redis returns it is used again.
// How fast a refusal is, is bench:capacity's business; these tests check what is refused and that the
// refused turn never reached the model. Once with one descriptor on the listening socket and once with
// several (HTTP_ACCEPT_SLOTS, core/src/app/accept-slots.ts): connections accepted on a copy are the same.

const KEY = 'acai_admission_test_key_0123456789abcd';
const PROTO_DIR = new URL('../../proto', import.meta.url).pathname;
const TURN_BOUND = 2;

/** The model answers chat requests only when the test lets it (titles at once), so turns stay in progress. */
function heldModel(fake: FakeOpenAIServer) {
  let release: () => void = () => {};
  let held = new Promise<void>((resolve) => (release = resolve));
  fake.respondWith((body: ChatCompletionBody): FakeStep => {
    if (body.model !== CHAT_MODEL) return { type: 'text', content: 'A Title' };
    return { type: 'text', content: `echo: ${String(body.messages.at(-1)?.content).slice(0, 40)}`, waitFor: held };
  });
  return {
    /** Chat requests the model has received so far. */
    chatRequests: () => fake.completionBodies(CHAT_MODEL).length,
    /** Answers everything held and everything that comes later. */
    releaseAll() {
      release();
      held = Promise.resolve();
    },
  };
}

/** The value of one series in the host's Prometheus text (0 when absent). */
async function metric(host: HostProcess, series: string): Promise<number> {
  const response = await fetch(`${host.url}/metrics`, { headers: bearer(KEY) });
  const text = await response.text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const turn = (host: HostProcess, body: unknown, signal?: AbortSignal) =>
  fetch(`${host.url}/twirp/acai.chat.ChatService/ContinueConversation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(KEY) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

const session = (index: number) => ({ platform: 'admission-test', user_id: `user-${index}`, chat_id: `chat-${index}` });

/** Two turns in progress, held at the model, so the replica is at its bound. */
async function saturate(host: HostProcess, model: ReturnType<typeof heldModel>, firstSession: number): Promise<Array<Promise<Response>>> {
  const before = model.chatRequests();
  const turns = Array.from({ length: TURN_BOUND }, (_, index) => turn(host, { session_metadata: session(firstSession + index), message: 'hold on' }));
  await waitUntil(() => model.chatRequests() >= before + TURN_BOUND, 'both turns to reach the model');
  return turns;
}

async function expectRefusal(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('1');
  const body = (await response.json()) as { code: string; msg: string; meta?: Record<string, string> };
  expect(body.code).toBe('unavailable');
  expect(body.meta?.retry_after_seconds).toBe('1');
  expect(body.msg).toMatch(/capacity/);
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.js:\d+/);
}

describe.each(['1', '8'])('admission control on a host process with FerretDB and Redis (HTTP_ACCEPT_SLOTS=%s)', (acceptSlots) => {
  let fake: FakeOpenAIServer;
  let redis: PrivateRedisServer;
  let redisClient: Redis;
  let host: HostProcess;
  let model: ReturnType<typeof heldModel>;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    redis = await startPrivateRedis();
    const database = uniqueName('admission');
    host = await startHostProcess({
      ...fakeModelEnv(fake),
      MONGODB_URL: mongoUrlWithDatabase(database, requireMongoUrl()),
      MONGODB_DATABASE: database,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `${database}:`,
      ACAI_API_KEYS: `${KEY}:tenant-admission:chat+metrics`,
      RATE_LIMIT_PER_MINUTE: '0',
      // A fixed bound and no queue: the third turn at once is refused, whatever the machine's load.
      ADMISSION_MAX_IN_FLIGHT: String(TURN_BOUND),
      ADMISSION_MAX_QUEUED: '0',
      ADMISSION_TARGET_LOOP_DELAY_MS: '0',
      HTTP_ACCEPT_SLOTS: acceptSlots,
    });
    expect((await host.waitForLog((line) => line.msg === 'acai host listening')).acceptSlots).toBe(Number(acceptSlots));
    redisClient = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redisClient.on('error', () => {});
  });

  afterEach(() => {
    model?.releaseAll();
  });

  afterAll(async () => {
    redisClient?.disconnect();
    // SIGTERM drains and exits 0, with every accept slot closed.
    expect(await host?.stop()).toBe(0);
    await redis?.stop();
    await fake?.close();
  });

  it('refuses a turn beyond the bound with unavailable and Retry-After, before it reaches the model; room comes back', async () => {
    model = heldModel(fake);
    const held = await saturate(host, model, 0);
    const requestsAtBound = model.chatRequests();

    const refused = await Promise.all([1, 2, 3].map((index) => turn(host, { session_metadata: session(100 + index), message: 'one more' })));
    for (const response of refused) await expectRefusal(response);
    // A protobuf client gets the same Twirp error (Twirp errors are JSON whatever the request's encoding).
    const protobuf = await fetch(`${host.url}/twirp/acai.chat.ChatService/ContinueConversation`, {
      method: 'POST',
      headers: { 'content-type': 'application/protobuf', ...bearer(KEY) },
      body: new Uint8Array([0x12, 0x03, 0x68, 0x65, 0x79]),
    });
    await expectRefusal(protobuf);
    expect(protobuf.headers.get('content-type')).toMatch(/^application\/json/);
    expect(model.chatRequests()).toBe(requestsAtBound);
    expect(await metric(host, 'acai_admission_refusals_total{reason="queue_full"}')).toBe(4);
    // Refused in front of Fastify, and still counted with the HTTP requests.
    expect(await metric(host, 'acai_http_requests_total{route="/twirp/acai.chat.ChatService/ContinueConversation",method="POST",status="503"}')).toBe(4);
    expect(await metric(host, 'acai_admission_in_flight')).toBe(TURN_BOUND);

    model.releaseAll();
    for (const response of await Promise.all(held)) expect(response.status).toBe(200);
    await waitUntil(async () => (await metric(host, 'acai_admission_in_flight')) === 0, 'the finished turns to give their room back');
    const after = await turn(host, { session_metadata: session(0), message: 'and again' });
    expect(after.status).toBe(200);
  });

  it('serves a binary protobuf turn (encoded and decoded by protoc itself)', async () => {
    model = heldModel(fake);
    model.releaseAll();
    const encoded = spawnSync('protoc', ['-I', PROTO_DIR, '--encode=acai.chat.ContinueConversationRequest', 'chat.proto'], {
      input: 'message: "in protobuf" session_metadata { platform: "admission-test" user_id: "proto" chat_id: "proto" }',
    });
    expect(encoded.status).toBe(0);
    const response = await fetch(`${host.url}/twirp/acai.chat.ChatService/ContinueConversation`, {
      method: 'POST',
      headers: { 'content-type': 'application/protobuf', ...bearer(KEY) },
      body: encoded.stdout,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/protobuf');
    const decoded = spawnSync('protoc', ['-I', PROTO_DIR, '--decode=acai.chat.ContinueConversationResponse', 'chat.proto'], {
      input: Buffer.from(await response.arrayBuffer()),
    });
    expect(decoded.status).toBe(0);
    expect(decoded.stdout.toString()).toContain('reply: "echo: in protobuf"');
  });

  it('takes no room for unauthenticated, malformed or oversized requests, and a client that left gives its room back', async () => {
    model = heldModel(fake);
    const held = await saturate(host, model, 10);

    // Authentication comes first: a stranger learns nothing about the replica's load.
    const stranger = await fetch(`${host.url}/twirp/acai.chat.ChatService/ContinueConversation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer acai_not_a_key_00000000000000000000' },
      body: JSON.stringify({ session_metadata: session(20), message: 'hi' }),
    });
    expect(stranger.status).toBe(401);
    // At the bound, even a malformed body is refused before it is read.
    await expectRefusal(await turn(host, '{"session_metadata": '));

    model.releaseAll();
    for (const response of await Promise.all(held)) expect(response.status).toBe(200);
    await waitUntil(async () => (await metric(host, 'acai_admission_in_flight')) === 0, 'the finished turns to give their room back');

    // A client that gives up on a turn in progress frees its room.
    model = heldModel(fake);
    const before = model.chatRequests();
    const leaving = new AbortController();
    const abandoned = turn(host, { session_metadata: session(21), message: 'never mind' }, leaving.signal).catch((error: unknown) => error);
    await waitUntil(() => model.chatRequests() > before, 'the abandoned turn to reach the model');
    expect(await metric(host, 'acai_admission_in_flight')).toBe(1);
    leaving.abort();
    await abandoned;
    await waitUntil(async () => (await metric(host, 'acai_admission_in_flight')) === 0, 'the abandoned turn to give its room back');

    // Below the bound, malformed and oversized bodies get their own errors and give the room back.
    const malformed = await turn(host, '{"session_metadata": ');
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);
    const oversized = await turn(host, { session_metadata: session(22), message: 'x'.repeat(2 * 1024 * 1024) });
    expect([400, 413]).toContain(oversized.status);
    await waitUntil(async () => (await metric(host, 'acai_admission_in_flight')) === 0, 'the rejected requests to give their room back');
  });

  it('keeps answering from the store while Redis is gone, sheds overload the same way, and uses Redis again once it is back', async () => {
    model = heldModel(fake);
    model.releaseAll();
    const first = await twirpJson(host.url, 'ContinueConversation', { session_metadata: session(40), message: 'remember me' }, bearer(KEY));
    expect(first.status).toBe(200);
    const conversationId = String(first.body.conversation_id);

    await redis.kill();
    // Sessions resolve from the store: the same conversation continues.
    const whileDown = await twirpJson(host.url, 'ContinueConversation', { session_metadata: session(40), message: 'still there?' }, bearer(KEY));
    expect(whileDown.status).toBe(200);
    expect(whileDown.body.conversation_id).toBe(conversationId);
    expect(await metric(host, 'acai_session_store_fallbacks_total{reason="unavailable"}')).toBeGreaterThan(0);

    // At the bound, turns are refused at once, not queued behind the store lookups.
    const refusalsBefore = await metric(host, 'acai_admission_refusals_total{reason="queue_full"}');
    model = heldModel(fake);
    const held = await saturate(host, model, 50);
    const refused = await Promise.all([1, 2].map((index) => turn(host, { session_metadata: session(60 + index), message: 'one more' })));
    for (const response of refused) await expectRefusal(response);
    expect(await metric(host, 'acai_admission_refusals_total{reason="queue_full"}')).toBe(refusalsBefore + 2);
    model.releaseAll();
    for (const response of await Promise.all(held)) expect(response.status).toBe(200);

    await redis.restart();
    await redisClient.connect();
    // The restarted Redis is empty: a session binding in it proves the host writes to Redis again.
    await waitUntil(async () => {
      const again = await twirpJson(host.url, 'ContinueConversation', { session_metadata: session(40), message: 'back?' }, bearer(KEY));
      expect(again.status).toBe(200);
      expect(again.body.conversation_id).toBe(conversationId);
      return (await redisClient.dbsize()) > 0;
    }, 'the host to bind sessions in the restarted Redis');
  });
});
