// Tool arguments as models really send them, on the REAL host (buildApp, the fake OpenAI server through the
// real openai client, the shipped datetime plugin inline and in a worker, an MCP server over stdio): a model
// that ignores strict mode leaves optional arguments out or sends `{}`; one that honours it sends nulls.
// Both are accepted for every kind of tool, whether the endpoint is offered strict schemas or not, and a
// wrong type is still a readable invalid_input the model can correct.
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, toolCallsReply, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { stdioServerEntry } from '../integration/mcp-support.js';
import { forSuite } from '../support/plugin-grants.js';
import { CHAT_MODEL, fakeModelEnv, startTestHost, TITLE_MODEL, twirpJson, type RunningTestHost } from './host-support.js';
import { DATETIME_ENTRY } from './plugins-workspace.js';

const REPO_NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const PROTOTYPE_NAMES_DIR = fileURLToPath(new URL('../fixtures/hostile-plugins/prototype-names', import.meta.url));
const TIME_TOOL = 'datetime__get_current_time';
const ECHO_TOOL = 'files__echo';
/** Optional arguments named constructor, toString and hasOwnProperty; the tool reports the arguments it received. */
const MEMBERS_TOOL = 'prototype-names__prototype_members';
/** The MCP server's tool with the same optional names; it answers the entries it received. */
const MCP_MEMBERS_TOOL = 'files__prototype_members';
/** A parameter named __proto__, which the host cannot validate: quarantined. */
const PROTO_TOOL = 'prototype-names__proto_property';

/** Titles are fixed; a tool result is read back to the user; the tool calls themselves are queued per test. */
function scriptedModel(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Tool Arguments' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content)}` };
  return { type: 'text', content: 'no tool needed' };
}

interface ToolTurn {
  /** The call's outcome as the turn reports it. */
  readonly outcome: string | undefined;
  /** What the model was given back for the call (the tool message's content). */
  readonly toolResult: string;
  /** The tool as the model was offered it. */
  readonly offered: NonNullable<ChatCompletionBody['tools']>[number] | undefined;
}

let fake: FakeOpenAIServer;
let workspace: string;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedModel);
  // The plugin packages resolve from node_modules next to plugins.config.json, as next to the repo's own.
  workspace = await mkdtemp(join(tmpdir(), 'acai-e2e-tool-arguments-'));
  await symlink(REPO_NODE_MODULES, join(workspace, 'node_modules'), 'dir');
});

afterAll(async () => {
  await fake?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

/** A host whose datetime plugin runs `mode` and whose model endpoint is told OPENAI_STRICT_TOOLS=`strictTools`. */
async function startHost(mode: 'inline' | 'worker', strictTools: 'on' | 'auto'): Promise<RunningTestHost> {
  const configPath = join(workspace, `plugins.${mode}.config.json`);
  // Granted what each fixture asks for; the third-party fixture runs inline outside the sandbox (forSuite).
  const plugins = [{ ...DATETIME_ENTRY, mode }, stdioServerEntry('files', ['--only=echo,prototype_members']), { name: 'prototype-names', path: PROTOTYPE_NAMES_DIR, mode }].map((entry) =>
    forSuite(entry, workspace),
  );
  await writeFile(configPath, JSON.stringify({ defaults: { policy: { timeoutMs: 10_000, setupTimeoutMs: 20_000 } }, plugins }));
  return startTestHost({ ...fakeModelEnv(fake), PLUGINS_CONFIG: configPath, AUTH_DISABLED: 'true', OPENAI_STRICT_TOOLS: strictTools });
}

/** One chat turn in which the model calls `name` with exactly these raw argument text. */
async function callThroughTurn(host: RunningTestHost, name: string, rawArguments: string): Promise<ToolTurn> {
  fake.reset();
  fake.respondWith(scriptedModel);
  fake.enqueueFor(CHAT_MODEL, toolCallsReply([{ id: 'call_args', name, arguments: rawArguments }]));
  const response = await twirpJson(host.url, 'StartConversation', { message: 'Please use the tool.' });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const bodies = fake.completionBodies(CHAT_MODEL);
  const toolMessage = bodies.at(-1)?.messages.find((message) => message.role === 'tool' && message.tool_call_id === 'call_args');
  expect(response.body.reply).toBe(`The tool said: ${String(toolMessage?.content)}`);
  return {
    outcome: (response.body.tool_calls as Array<{ name: string; outcome: string }> | undefined)?.find((call) => call.name === name)?.outcome,
    toolResult: String(toolMessage?.content),
    offered: bodies[0]?.tools?.find((tool) => tool.function.name === name),
  };
}

describe.each([
  // A provider that honours strict mode is offered strict schemas, yet its model (or a client-side fake) may still send {}.
  { mode: 'inline', strictTools: 'on' },
  // auto with a local OpenAI-compatible base URL: strict mode off, each schema's own meaning offered.
  { mode: 'worker', strictTools: 'auto' },
] as const)('tool arguments with the datetime plugin $mode and OPENAI_STRICT_TOOLS=$strictTools', ({ mode, strictTools }) => {
  let host: RunningTestHost;
  const isStrict = strictTools === 'on';

  beforeAll(async () => {
    host = await startHost(mode, strictTools);
  }, 120_000);
  afterAll(async () => {
    await host?.close();
  });

  it('offers the strict form to a strict endpoint and the schema’s own meaning otherwise', async () => {
    const time = await callThroughTurn(host, TIME_TOOL, '{"time_zone":null}');
    const echo = await callThroughTurn(host, ECHO_TOOL, '{"text":"hi","repeat":null,"tags":null}');
    if (isStrict) {
      expect(time.offered?.function).toMatchObject({ strict: true, parameters: { required: ['time_zone'], additionalProperties: false } });
      expect(echo.offered?.function).toMatchObject({ strict: true, parameters: { required: ['text', 'repeat', 'tags'], additionalProperties: false } });
    } else {
      expect(time.offered?.function).not.toHaveProperty('strict');
      expect(time.offered?.function.parameters).toMatchObject({ required: [], properties: { time_zone: { type: ['string', 'null'] } } });
      // The MCP server's own schema: only `text` required, nothing added.
      expect(echo.offered?.function).not.toHaveProperty('strict');
      expect(echo.offered?.function.parameters).toEqual({
        type: 'object',
        properties: {
          text: { type: 'string', description: 'What to echo.' },
          repeat: { type: 'integer', minimum: 1, maximum: 5, description: 'How often (optional).' },
          tags: { type: 'array', items: { type: 'string' } },
        },
        required: ['text'],
      });
    }
  });

  it(`runs the ${mode} SDK tool when the model sends {}, leaves the argument out, or sends an explicit null`, async () => {
    for (const rawArguments of ['{}', '', '{"time_zone":null}']) {
      const turn = await callThroughTurn(host, TIME_TOOL, rawArguments);
      expect(turn.outcome, rawArguments).toBe('ok');
      expect(turn.toolResult, rawArguments).toMatch(/^Current time in \S+: /);
    }
    const madrid = await callThroughTurn(host, TIME_TOOL, '{"time_zone":"Europe/Madrid"}');
    expect([madrid.outcome, madrid.toolResult]).toEqual(['ok', expect.stringMatching(/^Current time in Europe\/Madrid: /)]);
  });

  it('runs the MCP tool with optional arguments left out or null; the server receives neither', async () => {
    for (const rawArguments of ['{"text":"hi"}', '{"text":"hi","repeat":null,"tags":null}', '{"tags":null,"text":"hi"}']) {
      const turn = await callThroughTurn(host, ECHO_TOOL, rawArguments);
      expect([turn.outcome, turn.toolResult], rawArguments).toEqual(['ok', '{"text":"hi"}']);
    }
    const full = await callThroughTurn(host, ECHO_TOOL, '{"text":"hi","repeat":2,"tags":["a"]}');
    expect([full.outcome, full.toolResult]).toEqual(['ok', '{"text":"hi","repeat":2,"tags":["a"]}']);
  });

  it('takes arguments named like Object.prototype members, left out or sent, and never offers a __proto__ parameter', async () => {
    const received = (turn: ToolTurn) => JSON.parse(turn.toolResult) as { entries: unknown[]; plainPrototype: boolean };
    for (const rawArguments of ['{}', '{"constructor":null,"toString":null,"hasOwnProperty":null}']) {
      const turn = await callThroughTurn(host, MEMBERS_TOOL, rawArguments);
      expect(turn.outcome, rawArguments).toBe('ok');
      // Left out is not given: the SDK tool gets its nulls, never the inherited functions.
      expect(received(turn), rawArguments).toEqual({ entries: [['constructor', null], ['toString', null], ['hasOwnProperty', null]], plainPrototype: true });
    }
    const sent = await callThroughTurn(host, MEMBERS_TOOL, '{"toString":3,"constructor":"c","hasOwnProperty":true}');
    expect(received(sent)).toEqual({ entries: [['toString', 3], ['constructor', 'c'], ['hasOwnProperty', true]], plainPrototype: true });
    const wrong = await callThroughTurn(host, MEMBERS_TOOL, '{"toString":"three"}');
    expect([wrong.outcome, wrong.toolResult]).toEqual(['invalid_input', expect.stringContaining('/toString: must be integer,null')]);

    // The MCP server's schema leaves them optional: left out or null, the server receives nothing.
    for (const rawArguments of ['{}', '{"constructor":null,"toString":null,"hasOwnProperty":null}']) {
      const turn = await callThroughTurn(host, MCP_MEMBERS_TOOL, rawArguments);
      expect([turn.outcome, turn.toolResult], rawArguments).toEqual(['ok', '[]']);
    }
    const mcpSent = await callThroughTurn(host, MCP_MEMBERS_TOOL, '{"toString":3}');
    expect([mcpSent.outcome, mcpSent.toolResult]).toEqual(['ok', '[["toString",3]]']);
    const mcpWrong = await callThroughTurn(host, MCP_MEMBERS_TOOL, '{"constructor":7}');
    expect([mcpWrong.outcome, mcpWrong.toolResult]).toEqual(['invalid_input', expect.stringContaining('/constructor: must be string')]);

    // The tool that names a parameter __proto__ is quarantined: not offered, and a call to it is an unknown tool.
    expect(sent.offered?.function.parameters).toMatchObject({ properties: { toString: {} } });
    const offeredNames = fake.completionBodies(CHAT_MODEL).at(-1)?.tools?.map((tool) => tool.function.name);
    expect(offeredNames).toEqual(expect.arrayContaining([TIME_TOOL, ECHO_TOOL, MEMBERS_TOOL, MCP_MEMBERS_TOOL]));
    expect(offeredNames).not.toContain(PROTO_TOOL);
    const proto = await callThroughTurn(host, PROTO_TOOL, '{"__proto__":{"isAdmin":true}}');
    expect(proto.outcome).toBe('unknown_tool');
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });

  it('answers wrong types, missing required arguments and hostile arguments with a readable invalid_input', async () => {
    const cases: Array<[string, string, string]> = [
      [TIME_TOOL, '{"time_zone":42}', '/time_zone: must be string,null'],
      [TIME_TOOL, '{"time_zone":{"$gt":""}}', '/time_zone: must be string,null'],
      [TIME_TOOL, '{"zone":"UTC"}', '/zone: is not an allowed property (remove it)'],
      [TIME_TOOL, '{"__proto__":{"isAdmin":true}}', '/__proto__: is not an allowed property (remove it)'],
      [TIME_TOOL, '[]', 'must be object'],
      [TIME_TOOL, 'null', 'must be object'],
      [TIME_TOOL, '{"time_zone":', 'are not valid JSON'],
      [ECHO_TOOL, '{}', '/text: is required but missing'],
      [ECHO_TOOL, '{"text":"hi","repeat":"twice"}', '/repeat: must be integer'],
      [ECHO_TOOL, '{"text":"hi","repeat":9}', '/repeat: must be <= 5'],
      [ECHO_TOOL, '{"text":null}', '/text: must be string'],
    ];
    for (const [name, rawArguments, problem] of cases) {
      const turn = await callThroughTurn(host, name, rawArguments);
      expect(turn.outcome, `${name} ${rawArguments}`).toBe('invalid_input');
      // The failure as JSON, then the chat loop's note on how many corrections are left.
      const [failureText, note] = turn.toolResult.split('\n');
      expect(note).toMatch(/^\(Correct the arguments to match the parameters of /);
      const failure = JSON.parse(failureText ?? '') as { error: { code: string; message: string } };
      expect(failure.error.code).toBe('INVALID_INPUT');
      expect(failure.error.message, `${name} ${rawArguments}`).toContain(problem);
      expect(failure.error.message).not.toMatch(/at .*\.(ts|js):\d+/);
    }
    // A refused call never ran: the prototype of plain objects is untouched.
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });
});
