// A tool whose result data cannot be written as JSON (a BigInt, a cycle, a function, a getter that
// throws) on the REAL host (buildApp, fake OpenAI through the real client), in every mode — inline and
// worker with thread isolation, worker with process isolation — with and without a configured secret
// (the scrubbing step once threw on these data and failed the whole request, only for plugins with a
// secret). Every call must end as a named INTERNAL tool error the model reads, saying what is wrong
// and where; the chat turn answers 200 and is stored, /mcp answers an isError result (never -32603),
// and the same plugin serves its next call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { requireRedisUrl, uniqueName } from '../support/env.js';
import { createFixtureWorkspace, type FixtureWorkspace } from '../support/fixture-workspace.js';
import { CALL_DEADLINE_MS, START_UP_DEADLINE_MS } from '../support/timing.js';
import { bearer, fakeModelEnv, startTestHost, TITLE_MODEL, twirpJson, type RunningTestHost } from './host-support.js';
import { connectHttpClient, resultText, type ConnectedClient } from './mcp-server-support.js';

const CHAT_KEY = 'acai_e2e_unserialisable_chat_key_0123456';
const TOOLS_KEY = 'acai_e2e_unserialisable_tool_key_0123456';
const SECRET = 'unserialisable-fixture-secret-0123456789';

/** Each tool of the fixture and what the model must read about its data. */
const CASES = [
  { tool: 'return_bigint', problem: /cannot be sent as JSON: a BigInt at \/count\. Return only objects, arrays, strings, numbers, booleans and null\./ },
  { tool: 'return_circular', problem: /cannot be sent as JSON: a circular reference \(the value contains itself\) at \/second\/first\. Return only/ },
  { tool: 'return_function', problem: /cannot be sent as JSON: a function at \/callback\. Return only/ },
  { tool: 'return_throwing_getter', problem: /cannot be sent as JSON: reading \/value threw: getter refused\./ },
] as const;

/** "call all of <plugin>" makes the model call every case's tool of that plugin in one turn; it then repeats what the tools said, by tool. */
function scriptedModel(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Unserialisable' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') {
    const said = Object.fromEntries(body.messages.filter((message) => message.role === 'tool').map((message) => [message.tool_call_id, message.content]));
    return { type: 'text', content: JSON.stringify(said) };
  }
  const plugin = /call all of ([a-z-]+)/.exec(typeof last?.content === 'string' ? last.content : '')?.[1];
  if (plugin === undefined) return { type: 'text', content: 'nothing to call' };
  return { type: 'tool_calls', calls: CASES.map(({ tool }) => ({ id: tool, name: `${plugin}__${tool}`, arguments: {} })) };
}

describe.each([
  { isolation: 'thread', modes: ['inline', 'worker'] },
  { isolation: 'process', modes: ['worker'] },
] as const)('tool results that are not JSON, $isolation isolation', ({ isolation, modes }) => {
  /** One copy of the fixture per mode, with and without a secret; a worker's name says its isolation. */
  const plugins = modes.flatMap((mode) =>
    [false, true].map((hasSecret) => ({ name: `${hasSecret ? 'secret' : 'plain'}-${mode === 'inline' ? 'inline' : isolation}`, mode, hasSecret })),
  );
  let fake: FakeOpenAIServer;
  let workspace: FixtureWorkspace;
  let host: RunningTestHost;
  let mcp: ConnectedClient;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.respondWith(scriptedModel);
    workspace = await createFixtureWorkspace();
    for (const plugin of plugins) await workspace.writeVariant('unserialisable-result', plugin.name);
    await workspace.writeConfig(
      plugins.map((plugin) => ({
        name: plugin.name,
        path: `./${plugin.name}`,
        mode: plugin.mode,
        // Not a sandbox suite: inline code cannot run in one, and thread/process are the modes under test.
        sandbox: 'none',
        ...(plugin.hasSecret ? { config: { apiKey: '${UNSERIALISABLE_API_KEY}' } } : {}),
      })),
      // A breaker that never opens: every case fails on purpose, and each must reach the plugin.
      { timeoutMs: CALL_DEADLINE_MS, setupTimeoutMs: START_UP_DEADLINE_MS, breaker: { failureThreshold: 1_000, halfOpenAfterMs: 600_000 } },
    );
    host = await startTestHost({
      ...fakeModelEnv(fake),
      PLUGINS_CONFIG: workspace.configPath,
      REDIS_URL: requireRedisUrl(),
      REDIS_KEY_PREFIX: `${uniqueName('e2e_unserialisable')}:`,
      ACAI_API_KEYS: `${CHAT_KEY}:tenant-u:chat,${TOOLS_KEY}:tenant-u:tools`,
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_BURST: '100000',
      PLUGIN_WORKER_ISOLATION: isolation,
      UNSERIALISABLE_API_KEY: SECRET,
    });
    mcp = await connectHttpClient(host.url, TOOLS_KEY);
  });

  afterAll(async () => {
    await mcp?.close();
    await host?.close();
    await fake?.close();
    await workspace?.close();
  });

  it('loads every copy, with the secret where configured', () => {
    const statuses = host.app.pluginHost.listPlugins();
    for (const plugin of plugins) expect(statuses.find((status) => status.name === plugin.name), plugin.name).toMatchObject({ state: 'loaded', mode: plugin.mode });
  });

  it.each(modes.flatMap((mode) => [false, true].map((hasSecret) => ({ mode, hasSecret }))))(
    'a chat turn calling them ($mode, secret: $hasSecret) answers 200, is stored, and the model reads a named error per tool',
    async ({ mode, hasSecret }) => {
      const plugin = plugins.find((candidate) => candidate.mode === mode && candidate.hasSecret === hasSecret)!.name;
      const turn = await twirpJson(host.url, 'StartConversation', { message: `call all of ${plugin}` }, bearer(CHAT_KEY));
      expect(turn.status, JSON.stringify(turn.body)).toBe(200);
      const calls = turn.body.tool_calls as Array<{ name: string; plugin?: string; outcome: string }>;
      expect(calls.map((call) => [call.name, call.outcome])).toEqual(CASES.map(({ tool }) => [`${plugin}__${tool}`, 'error']));
      const said = JSON.parse(String(turn.body.reply)) as Record<string, string>;
      for (const { tool, problem } of CASES) {
        const failure = JSON.parse(said[tool] ?? '{}') as { error?: { code?: string; message?: string } };
        expect(failure.error?.code, tool).toBe('INTERNAL');
        expect(failure.error?.message, tool).toMatch(problem);
      }
      expect(turn.body.reply).not.toContain(SECRET);
      const stored = await twirpJson(host.url, 'DescribeConversation', { conversation_id: turn.body.conversation_id }, bearer(CHAT_KEY));
      expect(stored.status, JSON.stringify(stored.body)).toBe(200);
    },
  );

  it.each(modes.flatMap((mode) => [false, true].flatMap((hasSecret) => CASES.map(({ tool, problem }) => ({ mode, hasSecret, tool, problem })))))(
    '/mcp answers $tool ($mode, secret: $hasSecret) with an isError result, and the plugin serves its next call',
    async ({ mode, hasSecret, tool, problem }) => {
      const plugin = plugins.find((candidate) => candidate.mode === mode && candidate.hasSecret === hasSecret)!.name;
      const result = await mcp.client.callTool({ name: `${plugin}__${tool}`, arguments: {} });
      expect(result.isError).toBe(true);
      const failure = JSON.parse(resultText(result)) as { error?: { code?: string; message?: string } };
      expect(failure.error?.code).toBe('INTERNAL');
      expect(failure.error?.message).toMatch(problem);
      const next = await mcp.client.callTool({ name: `${plugin}__do_nothing`, arguments: {} });
      expect(next.isError).not.toBe(true);
      expect(resultText(next)).toBe('ok');
    },
  );
});
