// The old Go service's own clients against the REAL host (buildApp, the fake OpenAI server through the real
// openai client), admitted without a key from a trusted network as operators run them:
// - its Go CLI (`ask`, `ask <id>`, `show`, `list`), rebuilt from our notes on it in tests/go-client/oldcli and
//   driven through its stdin and stdout;
// - its Python Telegram bot's HTTP calls, replayed as the `requests` library sends them (`/status` → `GET /`,
//   a message → ContinueConversation by session, the older StartConversation variant, `/weather`).
// Every check is on what those clients print or parse, and on what the host stored.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_VERSION } from '../../core/src/app.js';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { bearer, fakeModelEnv, startTestHost, TITLE_MODEL, twirpJson, type RunningTestHost } from './host-support.js';

const execFileAsync = promisify(execFile);
const BUILD_OLD_CLI = fileURLToPath(new URL('../go-client/build-old-cli.sh', import.meta.url));
const OTHER_TENANT_KEY = 'acai_legacy_suite_other_tenant_0123456789';
const TITLE = 'Greeting the Assistant';

/** Titles are fixed; replies repeat the user's message, so every output line is predictable. */
function echoModel(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: TITLE };
  const last = body.messages.at(-1);
  return { type: 'text', content: `You said: ${typeof last?.content === 'string' ? last.content : ''}` };
}

let fake: FakeOpenAIServer;
let host: RunningTestHost;
let oldCli: string;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(echoModel);
  host = await startTestHost({
    ...fakeModelEnv(fake),
    // What an operator sets for clients that send no key: the loopback network is tenant `legacy`.
    ACAI_TRUSTED_NETWORKS: '127.0.0.1/32=legacy:chat',
    ACAI_API_KEYS: `${OTHER_TENANT_KEY}:someone-else:chat`,
  });
  // The first build fetches nothing (go.sum is committed, modules are in Go's cache after go-client.test.ts) and takes seconds.
  oldCli = (await execFileAsync('bash', [BUILD_OLD_CLI], { timeout: 280_000 })).stdout.trim();
}, 300_000);

afterAll(async () => {
  await host?.close();
  await fake?.close();
});

/** Runs the old CLI with `args`, typing `input` and then closing stdin (end of input). */
function runOldCli(args: readonly string[], input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(oldCli, args, { env: { PATH: process.env['PATH'] ?? '', API_URL: host.url }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    // An old CLI that stops early (no command, an unknown one) may exit before it reads its input: the
    // write then fails with EPIPE, which is not what these tests look at (its output and exit status are).
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(input);
  });
}

/** Go's time.RFC1123 in UTC ("Mon, 02 Jan 2006 15:04:05 UTC") and time.TimeOnly ("15:04:05"). */
const RFC1123 = /[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} UTC/;
const TIME_ONLY = /\d{2}:\d{2}:\d{2}/;

/** The block `ask <id>` and `show <id>` print: header, then each message as "<ROLE>, <time>:\n<content>\n\n". */
function conversationBlock(id: string, messages: ReadonlyArray<[role: string, content: string]>): RegExp {
  const header = `${escape(`ID: ${id}\nTitle: ${TITLE}\n`)}Timestamp: ${RFC1123.source}\n\n`;
  const body = messages.map(([role, content]) => `${role}, ${TIME_ONLY.source}:\n${escape(content)}\n\n`).join('');
  return new RegExp(header + body);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the old Go CLI', () => {
  let conversationId = '';

  it('lists nothing for a tenant without conversations', async () => {
    expect(await runOldCli(['list'])).toMatchObject({ status: 0, stdout: 'No conversations found.\n' });
  });

  it('ask starts a conversation, prints its id, title and the reply, and ends at the end of input', async () => {
    const result = await runOldCli(['ask'], 'Hello from the old CLI\n');
    const id = /^ID: ([0-9a-f]{24})$/m.exec(result.stdout)?.[1];
    expect(id, result.stdout + result.stderr).toBeDefined();
    conversationId = id!;
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(
      [
        'Press CMD+C to exit.',
        '',
        'Starting a new conversation, type your message below.',
        '',
        'USER:',
        '',
        'New conversation started:',
        `ID: ${conversationId}`,
        `Title: ${TITLE}`,
        '',
        'ASSISTANT:',
        'You said: Hello from the old CLI',
        '',
        'USER:',
        'Error reading input: EOF',
        '',
      ].join('\n'),
    );
  });

  it('ask <id> prints the conversation so far and continues it', async () => {
    const result = await runOldCli(['ask', conversationId], 'A second message\n');
    expect(result.status).toBe(1);
    expect(result.stdout.startsWith('Press CMD+C to exit.\n\n')).toBe(true);
    expect(result.stdout).toMatch(conversationBlock(conversationId, [['USER', 'Hello from the old CLI'], ['ASSISTANT', 'You said: Hello from the old CLI']]));
    expect(result.stdout.endsWith('USER:\n\nASSISTANT:\nYou said: A second message\n\nUSER:\nError reading input: EOF\n')).toBe(true);
  });

  it('show <id> prints all four messages, and list shows the conversation as "<id>   <title>"', async () => {
    const shown = await runOldCli(['show', conversationId]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(
      conversationBlock(conversationId, [
        ['USER', 'Hello from the old CLI'],
        ['ASSISTANT', 'You said: Hello from the old CLI'],
        ['USER', 'A second message'],
        ['ASSISTANT', 'You said: A second message'],
      ]),
    );
    const listed = await runOldCli(['list']);
    expect(listed).toMatchObject({ status: 0, stdout: `ID                         TITLE\n${conversationId}   ${TITLE}\n` });
  });

  it('gets not_found for malformed, unknown and other tenants\' ids, which it reports and exits 1', async () => {
    for (const id of ['not-an-object-id', ' ', 'ｆ'.repeat(24), "' OR 1=1 --"]) {
      expect(await runOldCli(['show', id]), id).toMatchObject({ status: 1, stdout: 'Error describing conversation: twirp error not_found: invalid conversation ID\n' });
    }
    expect(await runOldCli(['ask', 'not-an-object-id'], 'hi\n')).toMatchObject({
      status: 1,
      stdout: 'Press CMD+C to exit.\n\nError describing conversation: twirp error not_found: invalid conversation ID\n',
    });
    expect(await runOldCli(['show', '000000000000000000000000'])).toMatchObject({ status: 1, stdout: 'Error describing conversation: twirp error not_found: conversation not found\n' });
    const foreign = await twirpJson(host.url, 'StartConversation', { message: 'not for the legacy tenant' }, bearer(OTHER_TENANT_KEY));
    expect(await runOldCli(['show', foreign.body.conversation_id as string])).toMatchObject({ status: 1, stdout: expect.stringContaining('twirp error not_found') });
  });

  it('keeps its own edges: a missing id, an empty line, no command, an unknown command', async () => {
    expect(await runOldCli(['show'])).toMatchObject({ status: 1, stdout: 'Error: Conversation ID is required\n' });
    expect((await runOldCli(['ask'], '\n')).stdout).toMatch(/USER:\n\nError starting conversation: twirp error invalid_argument: message is required\n$/);
    const none = await runOldCli([]);
    expect([none.status, none.stdout.split('\n')[0]]).toEqual([255, 'Error: No command provided']);
    expect(await runOldCli(['frobnicate'])).toMatchObject({ status: 0, stdout: '' });
  });
});

/**
 * The old bot's `_make_api_request`, as `requests` 2.31 sends it: its default headers, `json=` bodies
 * written by Python's json.dumps (", " and ": " separators, non-ASCII as \u escapes), up to three tries on
 * 5xx, and `None` (here undefined) for any other status or a body that is not JSON.
 */
async function botRequest(method: 'GET' | 'POST', endpoint: string, payload?: unknown): Promise<Record<string, unknown> | undefined> {
  const headers: Record<string, string> = { 'user-agent': 'python-requests/2.31.0', 'accept-encoding': 'gzip, deflate', accept: '*/*', connection: 'keep-alive' };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const response = await fetch(`${host.url}${endpoint}`, { method, headers, ...(payload === undefined ? {} : { body: pythonJsonDumps(payload) }) });
    const text = await response.text();
    if (response.status === 200) {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    }
    if (response.status < 500) return undefined;
  }
  return undefined;
}

/** Python's json.dumps with its defaults (ensure_ascii, ", " and ": " separators). */
function pythonJsonDumps(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value).map(([key, item]) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(item)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

describe('the old Telegram bot’s HTTP calls', () => {
  const session = { platform: 'telegram', user_id: '12345', chat_id: '67890' };

  it('/status reads GET / as JSON and says the service is running', async () => {
    const status = await botRequest('GET', '/');
    // The bot only needs a 200 with a JSON object; the fields are there for people and newer programs.
    expect(status).toMatchObject({ service: 'acai', version: HOST_VERSION, status: 'ready', console: '/console' });
    expect(status?.['api']).toMatchObject({ chat: '/twirp/acai.chat.ChatService/', chat_methods: expect.arrayContaining(['StartConversation', 'ContinueConversation']) });
  });

  it('a message continues the chat\'s conversation by session, whatever the text holds', async () => {
    const first = await botRequest('POST', '/twirp/acai.chat.ChatService/ContinueConversation', { message: '¿Qué tiempo hace en Málaga? 🌤️', session_metadata: session });
    expect(first).toMatchObject({ reply: 'You said: ¿Qué tiempo hace en Málaga? 🌤️' });
    const second = await botRequest('POST', '/twirp/acai.chat.ChatService/ContinueConversation', { message: 'And tomorrow?', session_metadata: session });
    expect(second).toMatchObject({ reply: 'You said: And tomorrow?', conversation_id: first?.['conversation_id'] });
    const weather = await botRequest('POST', '/twirp/acai.chat.ChatService/ContinueConversation', { message: 'What is the weather like in Barcelona?', session_metadata: session });
    expect(weather?.['reply']).toBe('You said: What is the weather like in Barcelona?');
    const stored = await twirpJson(host.url, 'DescribeConversation', { conversation_id: first?.['conversation_id'] });
    expect((stored.body.conversation.messages as Array<{ role: string }>).map((message) => message.role)).toEqual(['USER', 'ASSISTANT', 'USER', 'ASSISTANT', 'USER', 'ASSISTANT']);
  });

  it('the older bot\'s StartConversation per message gets a reply, and a refused request is None to it, not a retry', async () => {
    expect(await botRequest('POST', '/twirp/acai.chat.ChatService/StartConversation', { message: 'hello' })).toMatchObject({ reply: 'You said: hello', title: TITLE });
    const before = fake.completionBodies().length;
    expect(await botRequest('POST', '/twirp/acai.chat.ChatService/ContinueConversation', { message: '   ', session_metadata: session })).toBeUndefined();
    expect(await botRequest('POST', '/twirp/acai.chat.ChatService/ContinueConversation', { message: 'hi', session_metadata: { platform: 'telegram', user_id: '12345' } })).toBeUndefined();
    expect(fake.completionBodies().length).toBe(before);
  });
});
