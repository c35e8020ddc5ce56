// `acai chat` and `acai conversations` against the real host (embedded store, shipped plugins, auth on)
// with the fake OpenAI server as the model.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, streamedTextReply, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { hasAnsi, runAcai, temporaryFolder, unusedUrl } from './cli-support.js';
import { startChatStub } from './cli-chat-stub.js';
import { CHAT_MODEL, fakeModelEnv, scriptedAssistant, startTestHost, type RunningTestHost } from './host-support.js';

const KEY = 'acai_cli_chat_key_0123456789abcdefghij';
const OTHER_TENANT_KEY = 'acai_cli_other_key_0123456789abcdefghi';

let fake: FakeOpenAIServer;
let host: RunningTestHost;
let state: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
  host = await startTestHost({
    ...fakeModelEnv(fake),
    ACAI_API_KEYS: `${KEY}:cli-tenant:chat,${OTHER_TENANT_KEY}:other-tenant:chat`,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_BURST: '100000',
  });
  state = await temporaryFolder('acai-cli-state-');
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  await state?.remove();
});

/** The environment a user's shell would give the command. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ACAI_URL: host.url, ACAI_API_KEY: KEY, XDG_STATE_HOME: state.path, HOME: state.path, ...extra };
}

describe('acai chat -m (one shot)', () => {
  it('prints just the reply on stdout and the tool calls on stderr, with no colours or spinner when not on a terminal', async () => {
    const run = await runAcai(['chat', '-m', 'What time is it in Madrid?'], { env: userEnv() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^The tool said: .*Europe\/Madrid.*\n$/s);
    expect(run.stderr).toMatch(/^  → datetime__get_current_time \{"time_zone":"Europe\/Madrid"\}\n  ← datetime__get_current_time ok \(\d+ ms\)\n$/);
    expect(hasAnsi(run.stderr)).toBe(false);
    expect(hasAnsi(run.stdout)).toBe(false);
    const remembered = (await readFile(join(state.path, 'acai', 'last-conversation'), 'utf8')).trim();
    expect(remembered).toMatch(/^[0-9a-f]{24}$/);
  });

  it('prints the final message as one JSON document with --json, including the tool calls and their results', async () => {
    const run = await runAcai(['chat', '-m', 'What time is it?', '--json'], { env: userEnv() });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const response = JSON.parse(run.stdout);
    expect(response).toMatchObject({
      conversation_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      message_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      title: 'Asking About the Time',
      reply: expect.stringMatching(/^The tool said/),
    });
    expect(response.tool_calls).toEqual([
      expect.objectContaining({ name: 'datetime__get_current_time', plugin: 'datetime', outcome: 'ok', result: expect.stringContaining('Europe/Madrid') }),
    ]);
  });

  it('shows the reply while the model is still writing it', async () => {
    let release: () => void = () => {};
    const resume = new Promise<void>((resolve) => (release = resolve));
    fake.enqueueFor(CHAT_MODEL, streamedTextReply(['The first half, ', 'then the rest.'], { pauseAfterChunks: 1, resume }));
    let seen = '';
    const finished = runAcai(['chat', '-m', 'tell me slowly'], {
      env: userEnv(),
      onStdout: (text) => {
        seen += text;
        // The model is paused after its first chunk: only streaming can have shown it by now.
        if (seen === 'The first half,') release();
      },
    });
    const run = await finished;
    expect(run).toMatchObject({ code: 0, stdout: 'The first half, then the rest.\n', stderr: '' });
  });

  it('keeps what streamed and explains the failure when the reply breaks off', async () => {
    fake.enqueueFor(CHAT_MODEL, streamedTextReply(['Half a ', 'reply'], { breakAfterChunks: 1 }));
    const run = await runAcai(['chat', '-m', 'break please'], { env: userEnv() });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('Half a\n');
    expect(run.stderr).toBe('acai: unavailable: the model endpoint broke off its reply mid-stream; retry the turn (the host or one of its dependencies is down; retry later)\n');
  });

  it('resumes the last conversation with --continue', async () => {
    const first = JSON.parse((await runAcai(['chat', '-m', 'remember the word kiwi', '--json'], { env: userEnv() })).stdout);
    const second = await runAcai(['chat', '--continue', '-m', 'which word?', '--json'], { env: userEnv() });
    expect(JSON.parse(second.stdout).conversation_id).toBe(first.conversation_id);
    const shown = JSON.parse((await runAcai(['conversations', 'show', first.conversation_id, '--json'], { env: userEnv() })).stdout);
    expect(shown.conversation.messages.map((message: { content: string }) => message.content)).toEqual([
      'remember the word kiwi',
      'echo: remember the word kiwi',
      'which word?',
      'echo: which word?',
    ]);
  });

  it('starts a new conversation when --continue has nothing to resume, and says so', async () => {
    const empty = await temporaryFolder('acai-cli-empty-state-');
    try {
      const run = await runAcai(['chat', '--continue', '-m', 'hello'], { env: userEnv({ XDG_STATE_HOME: empty.path }) });
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('acai: no previous conversation to continue; starting a new one\n');
      expect(run.stdout).toBe('echo: hello\n');
    } finally {
      await empty.remove();
    }
  });

  it('shows a spinner and colours on a terminal', async () => {
    const run = await runAcai(['chat', '-m', 'hi there'], { env: userEnv(), isTTY: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('thinking…');
    expect(run.stdout).toContain('\r\u001b[2K');
    expect(run.stdout.endsWith('echo: hi there\n')).toBe(true);
  });
});

describe('acai chat (interactive)', () => {
  it('runs a session: replies with the tools called, /list, /show, /new, unknown commands, /exit', async () => {
    const run = await runAcai(['chat'], {
      env: userEnv(),
      stdin: ['What time is it?', '', '/show', '/list', '/new', 'a fresh start', '/bogus', '/help', '/exit', 'never sent'],
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Connected to http:\/\/127\.0\.0\.1:\d+\. New conversation\./);
    expect(run.stdout).toMatch(
      /\n  → datetime__get_current_time \{"time_zone":"Europe\/Madrid"\}\n  ← datetime__get_current_time ok \(\d+ ms\)\nacai> The tool said: [^\n]+\n\(new conversation [0-9a-f]{24}: Asking About the Time\)\n/,
    );
    // /show prints the current conversation with both sides and the tool call.
    expect(run.stdout).toMatch(/Asking About the Time\nID: +[0-9a-f]{24}\n/);
    expect(run.stdout).toMatch(/\nyou \S+ \S+\nWhat time is it\?\n/);
    // /list prints the table.
    expect(run.stdout).toMatch(/ID +UPDATED +TITLE\n/);
    expect(run.stdout).toContain('Started a fresh conversation; your next message opens it.');
    expect(run.stdout).toMatch(/\nacai> echo: a fresh start\n\(new conversation [0-9a-f]{24}: .*\)\n/);
    expect(run.stdout).toContain('/new          start a fresh conversation');
    expect(run.stderr).toBe('error: unknown command /bogus; type /help\n');
    expect(run.stdout).not.toContain('never sent');
    expect(fake.completionBodies('fake-chat').some((body) => JSON.stringify(body.messages).includes('never sent'))).toBe(false);
    expect(hasAnsi(run.stdout)).toBe(false);
  });

  it('keeps the session alive when a turn fails, and reports the failure on one line', async () => {
    const run = await runAcai(['chat'], { env: userEnv(), stdin: ['x'.repeat(40 * 1024), 'still here?'] });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^error: invalid_argument: message is too long: 40960 bytes, the limit is 32768\n$/);
    expect(run.stdout).toContain('acai> echo: still here?');
  });

  it('reports /show without a conversation instead of guessing', async () => {
    const run = await runAcai(['chat'], { env: userEnv(), stdin: ['/show', '/show 000000000000000000000000'] });
    expect(run.stderr).toContain('error: no current conversation; use /show <id>');
    expect(run.stderr).toMatch(/error: not_found: /);
  });
});

describe('acai conversations', () => {
  it('lists conversations as a table for people and as JSON for scripts', async () => {
    await runAcai(['chat', '-m', 'for the list'], { env: userEnv() });
    const table = await runAcai(['conversations', 'list'], { env: userEnv() });
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID +UPDATED +TITLE$/);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) expect(row).toMatch(/^[0-9a-f]{24}  \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ  ./);
    const json = JSON.parse((await runAcai(['conversations', 'list', '--json'], { env: userEnv() })).stdout);
    expect(json.conversations.length).toBe(rows.length);
  });

  it('pages with --limit and prints the command for the next page', async () => {
    const first = await runAcai(['conversations', 'list', '--limit', '1'], { env: userEnv() });
    expect(first.stdout.trimEnd().split('\n')).toHaveLength(3);
    const next = /more: acai conversations list --page-token (\S+)/.exec(first.stdout)?.[1];
    expect(next).toBeDefined();
    const second = await runAcai(['conversations', 'list', '--limit', '1', '--page-token', next!], { env: userEnv() });
    expect(second.code).toBe(0);
    expect(second.stdout.split('\n')[1]).not.toBe(first.stdout.split('\n')[1]);
  });

  it("shows only the caller's own conversations: another tenant's id is not found", async () => {
    const mine = JSON.parse((await runAcai(['chat', '-m', 'private', '--json'], { env: userEnv() })).stdout).conversation_id;
    const other = await runAcai(['conversations', 'show', mine], { env: userEnv({ ACAI_API_KEY: OTHER_TENANT_KEY }) });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^acai: not_found: .*\n$/);
  });

  it.each([
    [['conversations', 'list', '--limit', '0'], /--limit must be an integer from 1 to 100/],
    [['conversations', 'list', '--limit', '1e400'], /--limit must be an integer/],
    [['conversations', 'show'], /missing the conversation id/],
    [['conversations', 'show', 'a', 'b'], /unexpected argument "b"/],
    [['conversations', 'archive'], /unknown subcommand "archive"/],
    [['conversations'], /^$/],
  ])('refuses %j with exit 2', async (argv, message) => {
    const run = await runAcai(argv, { env: userEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('answers a malformed id with the server message, not a stack trace', async () => {
    const run = await runAcai(['conversations', 'show', '../../etc/passwd'], { env: userEnv() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^acai: (invalid_argument|not_found): [^\n]+\n$/);
  });
});

describe('acai chat against a host without streaming', () => {
  it('falls back to StartConversation and ContinueConversation, asking for the stream only once per session', async () => {
    const stub = await startChatStub();
    try {
      const oneShot = await runAcai(['chat', '-m', 'hello', '--url', stub.url], { env: userEnv() });
      expect(oneShot).toMatchObject({ code: 0, stdout: 'echo: hello\n', stderr: '' });
      const session = await runAcai(['chat', '--url', stub.url], { env: userEnv(), stdin: ['one', 'two'] });
      expect(session.stdout).toMatch(/\nacai> echo: one\n\(new conversation [0-9a-f]{24}: one\)\nacai> echo: two\n$/);
      expect(stub.requests.map((request) => request.method)).toEqual([
        'ContinueChatStream',
        'StartConversation',
        'ContinueChatStream',
        'StartConversation',
        'ContinueConversation',
      ]);
    } finally {
      await stub.close();
    }
  });
});

describe('acai chat failures', () => {
  it('explains a missing API key', async () => {
    const run = await runAcai(['chat', '-m', 'hi'], { env: userEnv({ ACAI_API_KEY: '' }) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^acai: unauthenticated: .* \(pass --api-key or set ACAI_API_KEY\)\n$/);
  });

  it('explains an unreachable host', async () => {
    const url = await unusedUrl();
    const run = await runAcai(['chat', '-m', 'hi', '--url', url], { env: userEnv() });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`acai: cannot reach ${url}: ECONNREFUSED (is the host running? start it with \`acai serve\`, or pass --url)\n`);
    expect(run.stderr).toMatch(/^acai: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(is the host running\? start it with `acai serve`, or pass --url\)\n$/);
  });

  it('explains a URL that is not an Acai host', async () => {
    const run = await runAcai(['chat', '-m', 'hi', '--url', fake.baseURL], { env: userEnv() });
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toHaveLength(2);
  });

  it.each([
    [['chat', '-m', '   '], /the message is empty/],
    [['chat', 'hello', 'world'], /unexpected argument "hello"; quote the message and pass it with -m/],
    [['chat', '--json'], /--json needs -m/],
    [['chat', '-m'], /argument missing|requires an argument|Option '-m/],
  ])('refuses %j with exit 2', async (argv, message) => {
    const run = await runAcai(argv, { env: userEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
