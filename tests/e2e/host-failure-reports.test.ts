// Failure reports named for their reader (issue 16, item 3), on the real host: a model key the provider
// rejects (the fake OpenAI server answering 401/403 in the real wire format), unset ${VAR}s in
// plugins.config.json, oversized bodies on every edge, a client cancelling a stream, and bad-key
// throttling that never locks out a valid key from the same address. MongoDB-wire store and Redis are real.
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../integration/plugin-host-support.js';
import { errorReply, startFakeOpenAI, streamedTextReply, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { forSuite } from '../support/plugin-grants.js';
import { waitUntil } from '../support/timing.js';
import { startHostProcess } from './edge-support.js';
import { bearer, CHAT_MODEL, fakeModelEnv, sharedServicesEnv, startTestHost, TITLE_MODEL, twirpJson, type RunningTestHost } from './host-support.js';
import { mcpHeaders, rawMcp } from './mcp-server-support.js';
import { eventsNamed, openRawStream, streamChat } from './stream-support.js';

const CHAT_KEY = 'acai_failures_chat_key_0123456789abcdefgh';
const ADMIN_KEY = 'acai_failures_admin_key_0123456789abcdefg';
const TOOLS_KEY = 'acai_failures_tools_key_0123456789abcdefg';
// Never used before the lockout test: the host has never verified it, so only a lookup can admit it.
const NEIGHBOUR_KEY = 'acai_failures_neighbour_0123456789abcdefg';
const MAX_BODY_BYTES = 64 * 1024;
// The request limiter's burst is also the failure budget of an address and of a key prefix.
const FAILURE_BURST = 20;
const WRONG_MODEL_KEY = 'sk-wrong-model-key-16f';
const UNSET_SECRET = 'ACAI_16F_NEVER_SET_SECRET';
const UNSET_ZONE = 'ACAI_16F_NEVER_SET_ZONE';

/** pino lines the host wrote, parsed (levels as labels). */
type LogLine = Record<string, unknown> & { level: string; msg?: string };
const ABOVE_INFO = new Set(['warn', 'error', 'fatal']);

let fake: FakeOpenAIServer;
let host: RunningTestHost;
let wrongKeyHost: RunningTestHost;
let configDir: string;
const logs: LogLine[] = [];

/** Streams pause after their first chunk until `release` is called, so a test can cancel mid-reply. */
let release: () => void = () => {};
let releaseTitle: () => void = () => {};
function assistant(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Failure Reports' };
  const last = body.messages.at(-1);
  const text = typeof last?.content === 'string' ? last.content : '';
  if (/\bforever\b/.test(text)) return { type: 'tool_calls', calls: [{ name: 'testbed__wait_forever', arguments: {} }] };
  if (/\bhold\b/.test(text)) return streamedTextReply(['first ', 'second'], { pauseAfterChunks: 1, resume: new Promise<void>((resolve) => (release = resolve)) });
  return streamedTextReply(['echo: ', text]);
}

async function writePluginsConfig(): Promise<string> {
  configDir = await mkdtemp(join(tmpdir(), 'acai-16f-'));
  const path = join(configDir, 'plugins.config.json');
  await writeFile(
    path,
    JSON.stringify({
      // Granted what each asks for, inline ones outside the sandbox, as every suite not about the sandbox runs them.
      plugins: [
        { name: 'vault', path: join(FIXTURES_DIR, 'needs-secret'), config: { apiKey: `\${${UNSET_SECRET}}` } },
        // A temp directory has no node_modules to resolve packages from: the repo's plugin by path.
        { name: 'datetime', path: fileURLToPath(new URL('../../plugins/datetime', import.meta.url)), mode: 'inline', config: { defaultTimeZone: `\${${UNSET_ZONE}}` } },
        // Loaded: its wait_forever tool keeps a turn busy until the client goes away.
        { name: 'testbed', path: join(FIXTURES_DIR, 'testbed'), mode: 'inline', policy: { timeoutMs: 60_000 } },
      ].map((entry) => forSuite(entry, configDir)),
    }),
  );
  return path;
}

function hostEnv(prefix: string): Record<string, string> {
  return {
    ...fakeModelEnv(fake),
    ...sharedServicesEnv(prefix),
    ACAI_API_KEYS: `${CHAT_KEY}:tenant-a:chat,${ADMIN_KEY}:ops:admin,${TOOLS_KEY}:tenant-a:tools,${NEIGHBOUR_KEY}:tenant-b:chat`,
    // Slow refill: the guessing test's budget does not grow back while it runs, even on a loaded machine.
    RATE_LIMIT_PER_MINUTE: '30',
    RATE_LIMIT_BURST: String(FAILURE_BURST),
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    MCP_HTTP_ENABLED: 'true',
    LOG_LEVEL: 'info',
  };
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(assistant);
  const pluginsConfig = await writePluginsConfig();
  host = await startTestHost(
    { ...hostEnv('e2e_failures'), PLUGINS_CONFIG: pluginsConfig, PLUGINS_WATCH: 'false' },
    { logDestination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) } },
  );
  wrongKeyHost = await startTestHost({ ...hostEnv('e2e_failures_wrong_key'), OPENAI_API_KEY: WRONG_MODEL_KEY });
});

afterAll(async () => {
  release();
  releaseTitle();
  await host?.close();
  await wrongKeyHost?.close();
  await fake?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

async function modelCheck(url: string): Promise<{ state: string; message?: string }> {
  const response = await fetch(`${url}/readyz`);
  const report = (await response.json()) as { checks: Array<{ name: string; state: string; message?: string }> };
  return report.checks.find((check) => check.name === 'model')!;
}

describe('a model key the provider rejects', () => {
  it('answers failed_precondition naming the setting, unary and streamed, never internal or the upstream text', async () => {
    const unary = await twirpJson(wrongKeyHost.url, 'StartConversation', { message: 'hello' }, bearer(CHAT_KEY));
    expect(unary.status).toBe(412);
    expect(unary.body).toMatchObject({ code: 'failed_precondition', meta: { upstream_status: '401', reason: 'model_credentials_rejected' } });
    expect(unary.body.msg).toContain('OPENAI_API_KEY');
    expect(JSON.stringify(unary.body)).not.toMatch(/Incorrect API key|sk-wro|platform\.openai/);

    const streamed = await streamChat(wrongKeyHost.url, { message: 'hello again' }, bearer(CHAT_KEY));
    const error = streamed.error ?? eventsNamed(streamed, 'error')[0];
    expect(error).toMatchObject({ code: 'failed_precondition', msg: unary.body.msg });
  });

  it('turns the model check in /readyz degraded, and ok again once the provider accepts the key', async () => {
    const check = await modelCheck(wrongKeyHost.url);
    expect(check.state).toBe('degraded');
    expect(check.message).toContain('OPENAI_API_KEY');
    const response = await fetch(`${wrongKeyHost.url}/readyz`);
    expect([response.status, ((await response.json()) as { status: string }).status]).toEqual([200, 'degraded']);

    // The well-configured host: a 403 (key without access to the model) mid-stream, then recovery.
    expect((await modelCheck(host.url)).state).toBe('ok');
    fake.enqueueFor(CHAT_MODEL, errorReply(403, { message: 'You are not allowed to sample from this model', errorType: 'invalid_request_error', code: 'model_not_found' }));
    const refused = await streamChat(host.url, { message: 'first turn' }, bearer(CHAT_KEY));
    expect(refused.error ?? eventsNamed(refused, 'error')[0]).toMatchObject({ code: 'failed_precondition', meta: { upstream_status: '403' } });
    expect((await modelCheck(host.url)).state).toBe('degraded');
    const served = await twirpJson(host.url, 'StartConversation', { message: 'second turn' }, bearer(CHAT_KEY));
    expect(served.status).toBe(200);
    expect((await modelCheck(host.url)).state).toBe('ok');
  });

  it('sends the same code as a terminal error event once the stream has begun', async () => {
    const started = await twirpJson(host.url, 'StartConversation', { message: 'open a conversation' }, bearer(CHAT_KEY));
    const conversationId = started.body.conversation_id as string;
    fake.enqueueFor(CHAT_MODEL, errorReply(401, { message: 'Incorrect API key provided: sk-fa***', errorType: 'invalid_request_error', code: 'invalid_api_key' }));
    const streamed = await streamChat(host.url, { conversation_id: conversationId, message: 'continue' }, bearer(CHAT_KEY));
    expect(streamed.status).toBe(200);
    expect(streamed.events.map((event) => event.event).at(-1)).toBe('error');
    expect(eventsNamed(streamed, 'error')[0]).toMatchObject({ code: 'failed_precondition', meta: { upstream_status: '401' } });
    expect(JSON.stringify(streamed.events)).not.toContain('Incorrect API key');
  });
});

describe('an unset ${VAR} in plugins.config.json', () => {
  it('refuses only that entry, with a code and a message naming the variable and the entry', async () => {
    const byName = new Map(host.app.pluginHost.listPlugins().map((plugin) => [plugin.name, plugin]));
    expect(byName.get('vault')?.state).toBe('failed');
    expect(byName.get('vault')?.error?.code).toBe('HOST_PLUGIN_SECRET_MISSING');
    expect(byName.get('vault')?.error?.message).toContain(`plugins.config.json › vault › apiKey: environment variable ${UNSET_SECRET} is not set`);
    expect(byName.get('datetime')?.error?.code).toBe('HOST_PLUGIN_CONFIG_INVALID');
    expect(byName.get('datetime')?.error?.message).toContain(`plugins.config.json › datetime › defaultTimeZone: environment variable ${UNSET_ZONE} is not set`);
    // Operators see the same through the admin API and /readyz.
    const listed = await twirpJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY), 'acai.admin.PluginService');
    const vault = (listed.body.plugins as Array<{ name: string; state: string; last_error: string }>).find((plugin) => plugin.name === 'vault');
    expect(vault).toMatchObject({ state: 'FAILED', last_error: expect.stringContaining(UNSET_SECRET) });
    const readiness = (await (await fetch(`${host.url}/readyz`)).json()) as { checks: Array<{ name: string; message?: string }> };
    expect(readiness.checks.find((check) => check.name === 'plugins')?.message).toContain('failed: vault, datetime');
    // Only the entries with an unset variable are refused.
    expect(byName.get('testbed')?.state).toBe('loaded');
  });
});

describe('a body over MAX_BODY_BYTES', () => {
  const oversized = JSON.stringify({ message: 'x'.repeat(MAX_BODY_BYTES + 1) });
  const expected = {
    code: 'resource_exhausted',
    msg: `request body too large: the limit is ${MAX_BODY_BYTES} bytes (MAX_BODY_BYTES); send a smaller request`,
    meta: { argument: 'body', reason: 'body_too_large', limit_bytes: String(MAX_BODY_BYTES) },
  };

  it('gets 413 with a Twirp code naming the limit on the chat service, the stream and the admin service', async () => {
    const unary = await twirpJson(host.url, 'StartConversation', oversized, bearer(CHAT_KEY));
    expect([unary.status, unary.body]).toEqual([413, expected]);
    expect(unary.headers.get('retry-after')).toBeNull();
    const streamed = await streamChat(host.url, oversized, bearer(CHAT_KEY));
    expect([streamed.status, streamed.error]).toEqual([413, expected]);
    const admin = await twirpJson(host.url, 'ReloadPlugins', JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }), bearer(ADMIN_KEY), 'acai.admin.PluginService');
    expect([admin.status, admin.body]).toEqual([413, expected]);
  });

  it('gets 413 with a JSON-RPC error naming the limit on /mcp', async () => {
    const answer = await rawMcp(host.url, {
      headers: mcpHeaders(TOOLS_KEY),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { pad: 'x'.repeat(MAX_BODY_BYTES) } }),
    });
    expect(answer.status).toBe(413);
    expect(answer.body.error.message).toContain(`${MAX_BODY_BYTES} bytes`);
  });

  it('gets the same 413 Twirp error on a route outside Twirp and /mcp (sign-in), and a code for malformed or mistyped bodies', async () => {
    const signIn = async (body: string, contentType = 'application/json') => {
      const response = await fetch(`${host.url}/auth/sign-in`, { method: 'POST', headers: { ...bearer(ADMIN_KEY), 'content-type': contentType }, body });
      const raw = await response.text();
      expect(raw).not.toMatch(/FST_|statusCode|"error":|\bat \S+:\d+/);
      return [response.status, JSON.parse(raw) as unknown];
    };
    expect(await signIn(oversized)).toEqual([413, expected]);
    expect(await signIn('{"name": ')).toEqual([400, { code: 'malformed', msg: 'the request body is not valid JSON', meta: { argument: 'body' } }]);
    expect(await signIn('<x/>', 'application/xml')).toEqual([
      415,
      { code: 'malformed', msg: 'this route does not accept a body of that Content-Type; send application/json', meta: { argument: 'content-type' } },
    ]);
    // A well-formed body is ignored, as before.
    expect((await signIn('{}'))[0]).toBe(200);
  });

  it('is refused before authentication work only by size, never by a stack trace or a non-JSON body', async () => {
    const unauthenticated = await twirpJson(host.url, 'StartConversation', oversized, bearer('acai_not_a_real_key_for_the_size_test_00'));
    // Authentication runs on the headers first: a stranger learns nothing about the limit.
    expect(unauthenticated.body.code).toBe('unauthenticated');
  });
});

describe('a client cancelling a stream', () => {
  it.each([
    ['a stored conversation', true],
    ['a new conversation, its title still being generated', false],
  ])('of %s is logged at info, without a stack, and nothing above info follows', async (_case, isStored) => {
    const conversationId = isStored ? ((await twirpJson(host.url, 'StartConversation', { message: 'set up' }, bearer(CHAT_KEY))).body.conversation_id as string) : undefined;
    const before = logs.length;
    // The title model waits until released too, so the cancel reaches it mid-call.
    if (!isStored) fake.enqueueFor(TITLE_MODEL, { type: 'text', content: 'Late Title', waitFor: new Promise<void>((resolve) => (releaseTitle = resolve)) });
    const stream = await openRawStream(host.url, { ...(conversationId ? { conversation_id: conversationId } : {}), message: 'hold on' }, CHAT_KEY);
    await stream.waitFor('event: delta');
    stream.cut();
    const ended = await waitUntil(() => logs.slice(before).find((line) => line.msg === 'stream ended: the client went away'), 'the cancel log line');
    expect(ended.level).toBe('info');
    // Let the paused model answer go on, and wait until its exchange is over however it ended.
    const modelCalls = [fake.requests.findLast((request) => request.body?.model === CHAT_MODEL)!];
    if (!isStored) modelCalls.push(await waitUntil(() => fake.requests.findLast((request) => request.body?.model === TITLE_MODEL), 'the title call'));
    release();
    releaseTitle();
    let isOver = false;
    void Promise.all(modelCalls.map((call) => call.outcome)).then(() => (isOver = true));
    await waitUntil(() => isOver, 'the model exchanges to end');
    // The title's side of the cancel is logged once its call gave up.
    if (!isStored) await waitUntil(() => logs.slice(before).some((line) => line.msg?.startsWith('title generation')), 'the title outcome');
    const after = logs.slice(before);
    expect(after.filter((line) => ABOVE_INFO.has(line.level)).map((line) => line.msg)).toEqual([]);
    expect(JSON.stringify(after)).not.toMatch(/"stack"|\n\s+at /);
  });
});

describe('a client cancelling a stream during a tool call', () => {
  it('is logged at info, the stopped tool call too, without a stack', async () => {
    const started = await twirpJson(host.url, 'StartConversation', { message: 'set up' }, bearer(CHAT_KEY));
    const before = logs.length;
    const stream = await openRawStream(host.url, { conversation_id: started.body.conversation_id, message: 'wait forever' }, CHAT_KEY);
    await stream.waitFor('event: tool_call_started');
    stream.cut();
    await waitUntil(() => logs.slice(before).find((line) => line.msg === 'stream ended: the client went away'), 'the cancel log line');
    const stopped = await waitUntil(() => logs.slice(before).find((line) => line.tool === 'wait_forever'), 'the tool call to stop');
    expect(stopped.level).toBe('info');
    expect(stopped.outcome).toBe('cancelled');
    const after = logs.slice(before);
    expect(after.filter((line) => ABOVE_INFO.has(line.level)).map((line) => line.msg)).toEqual([]);
    expect(JSON.stringify(after)).not.toMatch(/"stack"|\n\s+at /);
  });

  it('is not the plugin failing: no error in ListPlugins, the breaker closed, the metric outcome cancelled', async () => {
    const before = logs.length;
    const stream = await openRawStream(host.url, { message: 'wait forever' }, CHAT_KEY);
    await stream.waitFor('event: tool_call_started');
    stream.cut();
    await waitUntil(() => logs.slice(before).find((line) => line.tool === 'wait_forever'), 'the tool call to stop');
    const listed = await twirpJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY), 'acai.admin.PluginService');
    const testbed = (listed.body.plugins as Array<Record<string, unknown>>).find((plugin) => plugin.name === 'testbed');
    // Stopped by its client: counted as a call, never as an error.
    expect(testbed).toMatchObject({ breaker_state: 'CLOSED', call_count: expect.any(String) });
    expect(testbed).not.toHaveProperty('error_count');
    expect(testbed).not.toHaveProperty('last_error');
    const metrics = await (await fetch(`${host.url}/metrics`, { headers: bearer(ADMIN_KEY) })).text();
    expect(metrics).toMatch(/acai_tool_calls_total\{plugin="testbed",tool="wait_forever",outcome="cancelled"\} [1-9]/);
    expect(metrics).not.toMatch(/acai_tool_calls_total\{plugin="testbed",tool="wait_forever",outcome="timeout"\}/);
  });
});

describe('bad-key throttling', () => {
  it('answers 429 to a guesser after its budget, yet serves a valid key from the same address', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < FAILURE_BURST + 15; attempt += 1) {
      const guess = `acai_guess${String(attempt).padStart(4, '0')}xxxxxxxxxxxxxxxxxxxxxxxxxxxx`;
      statuses.push((await twirpJson(host.url, 'ListConversations', {}, bearer(guess))).status);
    }
    // Earlier tests in this file may have spent a unit or two of 127.0.0.1's budget, and it refills slowly.
    const firstThrottled = statuses.indexOf(429);
    expect(firstThrottled).toBeGreaterThan(FAILURE_BURST - 5);
    expect(firstThrottled).toBeLessThanOrEqual(FAILURE_BURST + 5);
    expect(new Set(statuses.slice(0, firstThrottled))).toEqual(new Set([401]));
    expect(new Set(statuses.slice(firstThrottled))).toEqual(new Set([429]));
    const throttled = await twirpJson(host.url, 'ListConversations', {}, bearer('acai_guess_again_xxxxxxxxxxxxxxxxxxxxxxxxx'));
    expect(throttled.body).toMatchObject({ code: 'resource_exhausted', meta: { throttled_by: 'address' } });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Same address (127.0.0.1), a key the host has never seen: looked up and served.
    const neighbour = await twirpJson(host.url, 'ListConversations', {}, bearer(NEIGHBOUR_KEY));
    expect(neighbour.status).toBe(200);
    // And the guesser is still throttled afterwards.
    expect((await twirpJson(host.url, 'ListConversations', {}, bearer('acai_guess_after_xxxxxxxxxxxxxxxxxxxxxxxxx'))).status).toBe(429);
  });
});

describe('shutting down', () => {
  it('answers every request that still arrives with a Twirp error carrying a code, on every route', async () => {
    const closingHost = await startTestHost({ ...hostEnv('e2e_failures_shutdown'), PLUGINS_WATCH: 'false' });
    const { port } = new URL(closingHost.url);
    const heads = [
      `POST /twirp/acai.chat.ChatService/ListConversations HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer ${CHAT_KEY}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n`,
      'GET /readyz HTTP/1.1\r\nHost: h\r\n',
      'GET /no/such/route HTTP/1.1\r\nHost: h\r\n',
      `POST /mcp HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer ${TOOLS_KEY}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n`,
    ];
    // Each request's head is half sent before the drain starts, so the connection is busy, not idle.
    const sockets = await Promise.all(heads.map((head) => openHalfRequest(Number(port), head)));
    // The host runs in this process: a whole request on another connection takes enough turns of the event
    // loop for the server to have read every half-sent head, so none of those connections counts as idle.
    expect((await fetch(`${closingHost.url}/healthz`)).status).toBe(200);
    const closed = closingHost.close();
    await waitUntil(async () => !(await canConnect(Number(port))), 'the listener to close');
    const answers = await Promise.all(sockets.map((socket, index) => finishRequest(socket, heads[index]!.startsWith('POST') ? '\r\n{}' : '\r\n')));
    await closed;
    for (const answer of answers) {
      expect(answer, JSON.stringify(answer)).toMatchObject({ status: 503, error: undefined });
      expect(answer.headers).toMatch(/content-type: application\/json/i);
      expect(JSON.parse(answer.body)).toEqual({ code: 'unavailable', msg: 'the host is shutting down; retry the request (another replica will answer)' });
    }
  });
});

describe('a conversation store that cannot be reached at start', () => {
  it('exits naming the host and port and the reason, never the credentials', async () => {
    const port = await unusedPort();
    const failure = startHostProcess({
      MONGODB_URL: `mongodb://ops-user:s3cret-Passw0rd@127.0.0.1:${port}/acai?authSource=admin`,
      ACAI_API_KEYS: `${CHAT_KEY}:tenant-a:chat`,
    });
    const error = await failure.then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toContain(`HOST_STORE_UNAVAILABLE: conversation store unavailable (init): cannot use MongoDB at 127.0.0.1:${port}: connection refused`);
    expect(error?.message).toContain('Check MONGODB_URL');
    expect(error?.message).not.toMatch(/s3cret|ops-user/);
  });
});

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function openHalfRequest(port: number, head: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.write(head);
  return socket;
}

/** What arrived on `socket` until it closed, and how it closed (a reset, unlike a close, may lose the answer). */
function collect(socket: Socket): Promise<{ text: string; error: string | undefined }> {
  let text = '';
  let error: string | undefined;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  socket.on('error', (failure: NodeJS.ErrnoException) => (error = failure.code ?? failure.message));
  return once(socket, 'close').then(() => ({ text, error }));
}

async function finishRequest(socket: Socket, rest: string): Promise<{ status: number; headers: string; body: string; error: string | undefined }> {
  const received = collect(socket);
  socket.write(rest);
  const { text, error } = await received;
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body, error };
}
