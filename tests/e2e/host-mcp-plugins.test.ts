// MCP servers as plugins on the REAL host (buildApp, Redis, embedded store, the fake OpenAI server through
// the real client), next to the shipped datetime plugin: the scripted model calls MCP tools over stdio and
// Streamable HTTP; the reply, the stored conversation, the metrics and the admin API show them; hostile
// servers (never initializes, malformed JSON-RPC, hangs, crashes) are refused or contained while every
// chat turn keeps succeeding. No assertion is about durations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { startHttpFixtureServer, type HttpFixtureServer } from '../fixtures/mcp-servers/http-server.js';
import { scriptServerEntry, stdioServerEntry } from '../integration/mcp-support.js';
import { requireRedisUrl, uniqueName } from '../support/env.js';
import { START_UP_DEADLINE_MS, waitUntil } from '../support/timing.js';
import { bearer, CHAT_MODEL, fakeModelEnv, requestedToolCalls, scrapeMetrics, startTestHost, TITLE_MODEL, twirpJson, type RunningTestHost } from './host-support.js';
import { ADMIN_SERVICE, adminJson, createPluginsWorkspace, DATETIME_ENTRY, decodeAdminMessage, encodeAdminMessage, listedPlugin, type PluginsWorkspace } from './plugins-workspace.js';

const CHAT_KEY = 'acai_e2e_mcp_suite_chat_key_0123456789ab';
const ADMIN_KEY = 'acai_e2e_mcp_suite_ops_key_0123456789abc';
const FILES_SECRET = 'e2e-files-secret-7f3a9c';
const REMOTE_TOKEN = 'e2e-remote-token-51d2e8';
const TIME_TOOL = 'datetime__get_current_time';

/** "call <plugin>__<tool> {json}" makes it call that tool; "time" adds datetime; a tool result is echoed back. */
function scriptedModel(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'MCP Suite' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content).slice(0, 300)}` };
  const text = typeof last?.content === 'string' ? last.content : '';
  const calls = requestedToolCalls(body, text);
  return calls.length === 0 ? { type: 'text', content: `echo: ${text}` } : { type: 'tool_calls', calls };
}

/** Every log line the host wrote. */
const logged: string[] = [];
let fake: FakeOpenAIServer;
let remote: HttpFixtureServer;
let workspace: PluginsWorkspace;
let host: RunningTestHost;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedModel);
  remote = await startHttpFixtureServer({ token: REMOTE_TOKEN, name: 'remote-fixture', version: '3.0.1' });
  workspace = await createPluginsWorkspace([], {});
  await workspace.writeConfig(
    [
      DATETIME_ENTRY,
      stdioServerEntry('files', [], { version: '^1.4.0', mcp: { env: { FIXTURE_SECRET: '${E2E_FILES_SECRET}' } } }),
      { name: 'remote', mcp: { url: remote.url, headers: { Authorization: 'Bearer ${E2E_REMOTE_TOKEN}' } } },
      stdioServerEntry('stuck', ['--hang-calls'], { policy: { timeoutMs: 500 } }),
      scriptServerEntry('silent', 'silent-server.js', { policy: { setupTimeoutMs: 500 } }),
      scriptServerEntry('garbled', 'malformed-server.js'),
    ],
    // A quick breaker for the hanging server; the rest never fails twice in a row.
    { timeoutMs: 10_000, setupTimeoutMs: START_UP_DEADLINE_MS, breaker: { failureThreshold: 2, halfOpenAfterMs: 600_000 } },
  );
  host = await startTestHost(
    {
      ...fakeModelEnv(fake),
      PLUGINS_CONFIG: workspace.configPath,
      REDIS_URL: requireRedisUrl(),
      REDIS_KEY_PREFIX: `${uniqueName('e2e_mcp')}:`,
      ACAI_API_KEYS: `${CHAT_KEY}:tenant-m:chat,${ADMIN_KEY}:ops:admin+metrics`,
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_BURST: '100000',
      E2E_FILES_SECRET: FILES_SECRET,
      E2E_REMOTE_TOKEN: REMOTE_TOKEN,
      LOG_LEVEL: 'info',
    },
    { logDestination: { write: (line: string) => void logged.push(line) } },
  );
});

afterAll(async () => {
  await host?.close();
  await remote?.close();
  await fake?.close();
  await workspace?.close();
});

interface ChatTurn {
  conversation_id: string;
  reply: string;
  tool_calls?: Array<{ name: string; plugin?: string; plugin_version?: string; outcome: string }>;
}

async function chat(message: string): Promise<ChatTurn> {
  const response = await twirpJson(host.url, 'StartConversation', { message }, bearer(CHAT_KEY));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as ChatTurn;
}

function expectTimeAnswered(turn: ChatTurn): void {
  expect(turn.tool_calls?.find((call) => call.name === TIME_TOOL)).toMatchObject({ plugin: 'datetime', outcome: 'ok' });
}

const metrics = (): Promise<string> => scrapeMetrics(host.url, ADMIN_KEY);

describe('MCP servers as plugins on the real host', () => {
  it('answers a chat turn through an MCP stdio tool: the reply, the stored conversation and the metrics show it', async () => {
    const turn = await chat('call files__echo {"text":"hello from the model","repeat":null,"tags":null}');
    expect(turn.reply).toBe('The tool said: {"text":"hello from the model"}');
    expect(turn.tool_calls).toEqual([expect.objectContaining({ name: 'files__echo', plugin: 'files', plugin_version: '1.4.0', outcome: 'ok' })]);

    // The model was offered the strict form of the server's schema.
    const offered = fake.completionBodies(CHAT_MODEL).at(-1)?.tools?.find((tool) => tool.function.name === 'files__echo');
    expect(offered?.function).toMatchObject({ strict: true, parameters: { additionalProperties: false, required: ['text', 'repeat', 'tags'] } });

    const described = await twirpJson(host.url, 'DescribeConversation', { conversation_id: turn.conversation_id }, bearer(CHAT_KEY));
    expect(described.status).toBe(200);
    const stored = described.body.conversation.messages as Array<Record<string, any>>;
    expect(stored.map((message) => message.role)).toEqual(['USER', 'ASSISTANT']);
    expect(stored[1]?.tool_calls?.[0]).toMatchObject({ name: 'files__echo', plugin: 'files', plugin_version: '1.4.0', outcome: 'ok' });

    expect(await metrics()).toMatch(/^acai_tool_calls_total\{plugin="files",tool="echo",outcome="ok"\} 1$/m);
  });

  it('calls a Streamable HTTP server\'s tool with the configured credentials', async () => {
    const turn = await chat('call remote__echo {"text":"over http","repeat":2,"tags":null} and tell the time');
    expect(turn.tool_calls?.find((call) => call.name === 'remote__echo')).toMatchObject({ plugin: 'remote', plugin_version: '3.0.1', outcome: 'ok' });
    expectTimeAnswered(turn);
    expect(remote.requests.length).toBeGreaterThan(0);
    expect(remote.requests.every((request) => request.headers['authorization'] === `Bearer ${REMOTE_TOKEN}`)).toBe(true);
  });

  it('never lets the model or the logs see the secrets the servers were given', async () => {
    const turn = await chat('call files__reveal_secret {}');
    expect(turn.reply).toBe('The tool said: the secret is [REDACTED]');
    const sent = JSON.stringify(fake.completionBodies(CHAT_MODEL));
    expect(sent).not.toContain(FILES_SECRET);
    // The server prints its secret on stderr; the host logs that line scrubbed.
    await waitUntil(() => logged.some((line) => line.includes('fixture: configured with secret [REDACTED]')), 'the scrubbed stderr line');
    expect(logged.join('')).not.toContain(FILES_SECRET);
    expect(logged.join('')).not.toContain(REMOTE_TOKEN);
  });

  it('lists MCP plugins in the admin API with kind, transport, server name and state, and names why the hostile ones were refused', async () => {
    // A server that never answers initialize is STARTING while its start attempts last (start-up retries),
    // then FAILED with the reason.
    const listed = await waitUntil(async () => {
      const answer = await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY));
      return listedPlugin(answer.body, 'silent')?.state === 'FAILED' ? answer : undefined;
    }, 'the silent server to use up its start attempts');
    expect(listed.status).toBe(200);
    const silent = listedPlugin(listed.body, 'silent');
    expect(silent?.start_attempts).toBe(silent?.max_start_attempts);
    expect(listedPlugin(listed.body, 'datetime')).toMatchObject({ kind: 'npm', mode: 'inline', state: 'ACTIVE' });
    expect(listedPlugin(listed.body, 'datetime')).not.toHaveProperty('transport');
    const files = listedPlugin(listed.body, 'files');
    expect(files).toMatchObject({ kind: 'mcp', transport: 'stdio', server_name: 'acai-fixture', mode: 'external', version: '1.4.0', state: 'ACTIVE' });
    expect(files?.tools.map((tool: { exposed_name: string }) => tool.exposed_name)).not.toContain('files__broken_schema');
    expect(listedPlugin(listed.body, 'remote')).toMatchObject({ kind: 'mcp', transport: 'streamable_http', server_name: 'remote-fixture', state: 'ACTIVE' });
    expect(listedPlugin(listed.body, 'silent')).toMatchObject({ kind: 'mcp', state: 'FAILED' });
    expect(listedPlugin(listed.body, 'silent')?.last_error).toContain('did not answer initialize within the 500 ms setup deadline');
    expect(listedPlugin(listed.body, 'garbled')?.last_error).toContain('is not a JSON-RPC message');
    expect(String(listedPlugin(listed.body, 'garbled')?.last_error)).not.toMatch(/\n\s+at /);

    // The new fields on the binary wire, as protoc itself decodes them.
    const binary = await fetch(`${host.url}/twirp/${ADMIN_SERVICE}/ListPlugins`, {
      method: 'POST',
      headers: { 'content-type': 'application/protobuf', ...bearer(ADMIN_KEY) },
      body: encodeAdminMessage('ListPluginsRequest', ''),
    });
    const text = decodeAdminMessage('ListPluginsResponse', Buffer.from(await binary.arrayBuffer()));
    expect(text).toContain('kind: "mcp"');
    expect(text).toContain('transport: "streamable_http"');
    expect(text).toContain('server_name: "acai-fixture"');

    // The host serves chat all the same.
    expectTimeAnswered(await chat('What time is it?'));
    const ready = (await (await fetch(`${host.url}/readyz`)).json()) as { checks: Array<{ name: string; message?: string }> };
    expect(ready.checks.find((check) => check.name === 'plugins')?.message).toContain('failed: silent, garbled');
  });

  it('opens the breaker of a server that hangs and stops offering its tools, while chat and datetime keep answering', async () => {
    for (let turn = 0; turn < 2; turn += 1) {
      const answered = await chat('call stuck__echo {"text":"anyone?","repeat":null,"tags":null} and tell the time');
      expect(answered.tool_calls?.find((call) => call.name === 'stuck__echo')?.outcome).toBe('timeout');
      expectTimeAnswered(answered);
    }
    const listed = await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY));
    expect(listedPlugin(listed.body, 'stuck')).toMatchObject({ state: 'ACTIVE', breaker_state: 'OPEN' });
    expectTimeAnswered(await chat('call stuck__echo {"text":"again","repeat":null,"tags":null} and tell the time'));
    const offered = fake.completionBodies(CHAT_MODEL).at(-1)?.tools?.map((tool) => tool.function.name) ?? [];
    expect(offered).toContain(TIME_TOOL);
    expect(offered.some((name) => name.startsWith('stuck__'))).toBe(false);
    expect(await metrics()).toMatch(/^acai_plugin_breaker_state\{plugin="stuck"\} 2$/m);
  });

  it('restarts a server that dies mid-call: the turn gets a readable failure, the server comes back and counts the restart', async () => {
    const crashed = await chat('call files__crash {} and tell the time');
    expect(crashed.tool_calls?.find((call) => call.name === 'files__crash')?.outcome).toBe('unavailable');
    expectTimeAnswered(crashed);
    const restarted = await waitUntil(async () => {
      const listed = await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY));
      const files = listedPlugin(listed.body, 'files');
      return files?.state === 'ACTIVE' && files['restart_count'] === '1' ? files : undefined;
    }, 'the restart of files');
    expect(restarted['last_error']).toContain('exited with code 3');
    const after = await chat('call files__do_nothing {}');
    expect(after.tool_calls?.[0]).toMatchObject({ name: 'files__do_nothing', outcome: 'ok' });
    const scraped = await metrics();
    expect(scraped).toMatch(/^acai_mcp_server_exits_total\{plugin="files"\} 1$/m);
    expect(scraped).toMatch(/^acai_mcp_server_restarts_total\{plugin="files"\} 1$/m);
  });
});
