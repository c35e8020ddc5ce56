import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedConversationStore } from '../../core/src/storage/index.js';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { startFakeWeatherApi, weatherApiError, type FakeWeatherApi } from '../fakes/weatherapi/index.js';
import { redisServerBinary, requireMongoUrl, requireRedisUrl, uniqueName, mongoUrlWithDatabase } from '../support/env.js';
import { freePort } from '../support/redis-server.js';
import { killOnExit } from '../support/child-processes.js';
import { waitUntil } from '../support/timing.js';
import { startHostProcess, type HostProcess } from './edge-support.js';
import { bearer, CHAT_MODEL, fakeModelEnv, scriptedAssistant, TITLE_MODEL, twirpJson } from './host-support.js';

// The host as operators run it: `core/dist/main.js` (what `npm start` runs) in its own process, configured
// only by its environment. Log redaction across start-up, requests, errors and shutdown; graceful shutdown
// with a request in flight; two processes sharing one Redis and one MongoDB.
const PLUGINS_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url));
const running: HostProcess[] = [];
const scratchDirs: string[] = [];

afterEach(async () => {
  for (const host of running.splice(0)) await host.stop();
});
afterAll(async () => {
  for (const dir of scratchDirs) await rm(dir, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'acai-edge-proc-'));
  scratchDirs.push(dir);
  return dir;
}

async function host(env: Record<string, string>): Promise<HostProcess> {
  const started = await startHostProcess({ ACAI_DATA_DIR: await scratch(), ...env });
  running.push(started);
  return started;
}

/** A redis-server that requires a password, so the password really is used (and must never be logged). */
async function startPasswordRedis(password: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = killOnExit(spawn(redisServerBinary(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password], { stdio: 'ignore' }));
  const url = `redis://:${password}@127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  await waitUntil(
    () =>
      probe
        .connect()
        .then(() => probe.ping())
        .then(() => true, () => false),
    'the password-protected redis-server to answer',
  );
  probe.disconnect();
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('log redaction on the real host process', () => {
  const OPENAI_KEY = 'sk-planted-openai-key-7f3a9c2e41';
  const WEATHER_KEY = 'planted-weather-key-41b2d9e8';
  const MONGO_PASSWORD = 'planted-mongo-pass-93d1c7';
  const REDIS_PASSWORD = 'planted-redis-pass-5e77a1';
  const CLIENT_KEY = 'acai_planted_client_key_0123456789ab';
  const TELEGRAM_TOKEN = '123456:planted-telegram-token-ABCdef';
  const CONTENT = 'Kilimanjaro-content-marker';
  const SECRETS = [OPENAI_KEY, WEATHER_KEY, MONGO_PASSWORD, REDIS_PASSWORD, CLIENT_KEY, TELEGRAM_TOKEN];

  let fake: FakeOpenAIServer;
  let weather: FakeWeatherApi;
  let redis: { url: string; stop(): Promise<void> };
  let pluginsConfigPath = '';
  const database = uniqueName('edge_redact');

  beforeAll(async () => {
    fake = await startFakeOpenAI({ apiKey: OPENAI_KEY });
    weather = await startFakeWeatherApi({ apiKey: WEATHER_KEY });
    redis = await startPasswordRedis(REDIS_PASSWORD);
    // The weather plugin on WeatherAPI.com (the keyed provider), its key taken from the environment.
    const dir = await scratch();
    pluginsConfigPath = join(dir, 'plugins.config.json');
    await writeFile(
      pluginsConfigPath,
      JSON.stringify({
        plugins: [
          { name: 'datetime', path: join(PLUGINS_DIR, 'datetime') },
          {
            name: 'weather',
            path: join(PLUGINS_DIR, 'weather'),
            config: { provider: 'weatherapi', apiKey: '${WEATHER_API_KEY}', weatherApiBaseUrl: weather.baseUrl },
            network: { allowHosts: [new URL(weather.baseUrl).host] },
          },
        ],
      }),
    );
  });

  afterAll(async () => {
    await fake?.close();
    await weather?.close();
    await redis?.stop();
    const client = new MongoClient(requireMongoUrl());
    await client.db(database).dropDatabase().catch(() => {});
    await client.close();
  });

  function environment(extra: Record<string, string> = {}): Record<string, string> {
    const mongo = new URL(mongoUrlWithDatabase(database));
    mongo.username = 'acai';
    mongo.password = MONGO_PASSWORD;
    // FerretDB takes PLAIN credentials; a real MongoDB would use its default SCRAM mechanism.
    mongo.search = '?authMechanism=PLAIN&authSource=%24external';
    return {
      ...fakeModelEnv(fake),
      MONGODB_URL: mongo.toString(),
      MONGODB_DATABASE: database,
      REDIS_URL: redis.url,
      ACAI_API_KEYS: `${CLIENT_KEY}:tenant-r:chat+metrics`,
      WEATHER_API_KEY: WEATHER_KEY,
      TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
      PLUGINS_CONFIG: pluginsConfigPath,
      LOG_LEVEL: 'debug',
      ...extra,
    };
  }

  function weatherAssistant(body: ChatCompletionBody): FakeStep {
    if (body.model === TITLE_MODEL) return { type: 'text', content: 'A Weather Question' };
    const last = body.messages.at(-1);
    if (last?.role === 'tool') return { type: 'text', content: `Report: ${String(last.content).slice(0, 100)}` };
    return { type: 'tool_calls', calls: [{ name: 'weather__get_current_weather', arguments: { location: 'London' } }] };
  }

  async function exercise(target: HostProcess): Promise<void> {
    fake.respondWith(weatherAssistant);
    // A successful turn with a keyed upstream call.
    const ok = await twirpJson(target.url, 'StartConversation', { message: `What is the weather in London? ${CONTENT}` }, bearer(CLIENT_KEY));
    expect(ok.status).toBe(200);
    // The weather provider rejects the key (its error echoes the request URL with the key in it).
    weather.failNext(weatherApiError(2006), 4);
    expect((await twirpJson(target.url, 'ContinueConversation', { conversation_id: ok.body.conversation_id, message: `Paris? ${CONTENT}` }, bearer(CLIENT_KEY))).status).toBe(200);
    // The model endpoint fails with a message quoting the key in full.
    fake.enqueueFor(CHAT_MODEL, { type: 'error', status: 401, message: `Incorrect API key provided: ${OPENAI_KEY}.`, code: 'invalid_api_key' });
    const failed = await twirpJson(target.url, 'StartConversation', { message: `Hello ${CONTENT}` }, bearer(CLIENT_KEY));
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(failed.body)).not.toContain(OPENAI_KEY);
    // Malformed and hostile requests.
    expect((await twirpJson(target.url, 'StartConversation', '{"message": ', bearer(CLIENT_KEY))).status).toBe(400);
    expect((await twirpJson(target.url, 'ListConversations', {}, bearer(`${CLIENT_KEY}x`))).status).toBe(401);
    expect((await fetch(`${target.url}/metrics`, { headers: bearer(CLIENT_KEY) })).status).toBe(200);
  }

  it('never writes a planted secret across start-up, requests, upstream errors and shutdown, and omits message text', async () => {
    const target = await host(environment());
    await exercise(target);
    expect(await target.stop()).toBe(0);
    const output = target.lines.join('\n');
    // The test saw the paths it meant to: start-up with the redacted URLs, the tool failure, the model failure, shutdown.
    expect(output).toContain('acai host configured');
    expect(output).toContain(`acai:***@127.0.0.1`);
    expect(output).toContain('model call finished');
    expect(output).toMatch(/HOST_MODEL_REJECTED|HOST_MODEL_UNAUTHORIZED|model endpoint/);
    expect(output).toContain('shutdown complete');
    for (const secret of SECRETS) expect(output, `leaked ${secret}`).not.toContain(secret);
    expect(output).not.toContain(CONTENT);
    expect(output).toMatch(/\[content omitted: \d+ chars\]/);
  });

  it('logs message text only when the operator opts in with LOG_CONTENT=true, still without secrets', async () => {
    const target = await host(environment({ LOG_CONTENT: 'true' }));
    await exercise(target);
    expect(await target.stop()).toBe(0);
    const output = target.lines.join('\n');
    expect(output).toContain(CONTENT);
    for (const secret of SECRETS) expect(output, `leaked ${secret}`).not.toContain(secret);
  });
});

/** Opens (and closes) a fresh TCP connection: 'connected', or the error code. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('graceful shutdown of the real host process', () => {
  const KEY = 'acai_edge_shutdown_key_0123456789abcd';
  let fake: FakeOpenAIServer;
  const database = uniqueName('edge_stop');

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.respondWith(scriptedAssistant);
  });
  afterAll(async () => {
    await fake?.close();
    const client = new MongoClient(requireMongoUrl());
    await client.db(database).dropDatabase().catch(() => {});
    await client.close();
  });

  it('on SIGTERM stops accepting connections, finishes and stores the in-flight turn, then exits 0', async () => {
    const target = await host({
      ...fakeModelEnv(fake),
      MONGODB_URL: mongoUrlWithDatabase(database),
      MONGODB_DATABASE: database,
      REDIS_URL: requireRedisUrl(),
      REDIS_KEY_PREFIX: `${database}:`,
      ACAI_API_KEYS: `${KEY}:tenant-s:chat`,
      SHUTDOWN_DEADLINE_MS: '20000',
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    fake.enqueueFor(CHAT_MODEL, { type: 'text', content: 'an answer that took its time', waitFor: gate });
    const inFlight = twirpJson(target.url, 'StartConversation', { message: 'please take your time' }, bearer(KEY));
    while (fake.completionBodies(CHAT_MODEL).length === 0) await sleep(10);

    target.child.kill('SIGTERM');
    await target.waitForLog((line) => String(line.msg).startsWith('shutting down'));
    // The listener is closed: a new TCP connection is refused while the turn is still running.
    // A connection that reached the backlog just before the listener closed is reset (ECONNRESET):
    // that is the close happening, so keep probing until connections are refused outright.
    let outcome = 'connected';
    for (let attempt = 0; attempt < 50 && (outcome === 'connected' || outcome === 'ECONNRESET'); attempt += 1) {
      outcome = await tryConnect(Number(new URL(target.url).port));
      if (outcome !== 'ECONNREFUSED') await sleep(20);
    }
    expect(outcome).toBe('ECONNREFUSED');
    expect(target.child.exitCode).toBeNull();

    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.reply).toBe('an answer that took its time');
    expect(await target.exited).toBe(0);
    expect(target.logs().some((line) => line.msg === 'shutdown complete' && line.exit_code === 0)).toBe(true);
    // Finished requests release their kept-alive connections: no waiting for the 20 s deadline.
    expect(target.logs().some((line) => String(line.msg).startsWith('shutdown deadline reached'))).toBe(false);

    const client = new MongoClient(requireMongoUrl());
    try {
      const stored = await client.db(database).collection('conversations').findOne({ tenant_id: 'tenant-s' });
      expect(stored?._id.toHexString()).toBe(answer.body.conversation_id);
    } finally {
      await client.close();
    }
  });
});

describe('the embedded store on a thread of its own (EMBEDDED_STORE_THREAD=1)', () => {
  const KEY = 'acai_edge_thread_key_0123456789abcdef';
  let fake: FakeOpenAIServer;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.respondWith(scriptedAssistant);
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('serves turns, listings and descriptions from it, and on SIGTERM stores the in-flight turn before exiting 0', async () => {
    const dataDir = await scratch();
    const target = await host({ ...fakeModelEnv(fake), ACAI_DATA_DIR: dataDir, EMBEDDED_STORE_THREAD: '1', ACAI_API_KEYS: `${KEY}:tenant-t:chat` });
    expect(target.logs().find((line) => line.msg === 'conversation store ready')).toMatchObject({ store: 'embedded', onThread: true });
    const started = await twirpJson(target.url, 'StartConversation', { message: 'first question' }, bearer(KEY));
    expect(started.status).toBe(200);
    const id = String(started.body.conversation_id);
    expect((await twirpJson(target.url, 'ContinueConversation', { conversation_id: id, message: 'second question' }, bearer(KEY))).status).toBe(200);
    const described = await twirpJson(target.url, 'DescribeConversation', { conversation_id: id }, bearer(KEY));
    expect(described.body.conversation.messages.map((message: { content: string }) => message.content)).toContain('second question');
    expect((await twirpJson(target.url, 'ListConversations', {}, bearer(KEY))).body.conversations.map((entry: { id: string }) => entry.id)).toEqual([id]);
    expect((await twirpJson(target.url, 'DescribeConversation', { conversation_id: 'ffffffffffffffffffffffff' }, bearer(KEY))).status).toBe(404);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    fake.enqueueFor(CHAT_MODEL, { type: 'text', content: 'the last answer', waitFor: gate });
    const inFlight = twirpJson(target.url, 'ContinueConversation', { conversation_id: id, message: 'third question' }, bearer(KEY));
    await waitUntil(() => fake.completionBodies(CHAT_MODEL).some((body) => JSON.stringify(body).includes('third question')), 'the third turn to reach the model');
    target.child.kill('SIGTERM');
    await target.waitForLog((line) => String(line.msg).startsWith('shutting down'));
    release();
    expect((await inFlight).status).toBe(200);
    expect(await target.exited).toBe(0);

    const store = new EmbeddedConversationStore({ dataDir });
    await store.init();
    try {
      expect((await store.get('tenant-t', id))?.messages.map((message) => message.content)).toEqual([
        'first question',
        expect.any(String),
        'second question',
        expect.any(String),
        'third question',
        'the last answer',
      ]);
    } finally {
      await store.close();
    }
  });
});

describe('scale-out: two host processes sharing one Redis and one MongoDB', () => {
  const CHAT_KEY = 'acai_edge_scale_chat_0123456789abcdef';
  const LIMITED_KEY = 'acai_edge_scale_limited_0123456789abc';
  const SESSION = { platform: 'telegram', user_id: '42', chat_id: '4242' };
  let fake: FakeOpenAIServer;
  const database = uniqueName('edge_scale');
  const prefix = `${database}:`;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.respondWith(scriptedAssistant);
  });
  afterAll(async () => {
    await fake?.close();
    const client = new MongoClient(requireMongoUrl());
    await client.db(database).dropDatabase().catch(() => {});
    await client.close();
    const cleaner = new Redis(requireRedisUrl());
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    await cleaner.quit();
  });

  it('continues a session started on one process on the other, and enforces one rate limit across both', async () => {
    const environment = {
      ...fakeModelEnv(fake),
      MONGODB_URL: mongoUrlWithDatabase(database),
      MONGODB_DATABASE: database,
      REDIS_URL: requireRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      ACAI_API_KEYS: `${CHAT_KEY}:tenant-x:chat,${LIMITED_KEY}:tenant-y:chat`,
      RATE_LIMIT_PER_MINUTE: '1',
      RATE_LIMIT_BURST: '4',
    };
    const [one, two] = await Promise.all([host(environment), host(environment)]);
    expect(one.url).not.toBe(two.url);
    expect(one.child.pid).not.toBe(two.child.pid);

    const first = await twirpJson(one.url, 'ContinueConversation', { message: 'first message, on process one', session_metadata: SESSION }, bearer(CHAT_KEY));
    expect(first.status).toBe(200);
    const second = await twirpJson(two.url, 'ContinueConversation', { message: 'second message, on process two', session_metadata: SESSION }, bearer(CHAT_KEY));
    expect(second.status).toBe(200);
    expect(second.body.conversation_id).toBe(first.body.conversation_id);
    const described = await twirpJson(two.url, 'DescribeConversation', { conversation_id: first.body.conversation_id }, bearer(CHAT_KEY));
    expect(described.body.conversation.messages.map((message: { content: string }) => message.content)).toEqual([
      'first message, on process one',
      'echo: first message, on process one',
      'second message, on process two',
      'echo: second message, on process two',
    ]);

    // Burst of 4 for the key, spent alternately on both processes; the fifth and sixth are refused by either.
    const statuses = [];
    for (const target of [one, two, one, two, one, two]) statuses.push((await twirpJson(target.url, 'ListConversations', {}, bearer(LIMITED_KEY))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
