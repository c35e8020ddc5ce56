// `acai telegram`: the bot on long polling against the fake Bot API, talking to the real host over
// Twirp (--url) or running the chat service in-process; `set-webhook` / `delete-webhook`.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { startFakeTelegramServer, type FakeTelegramServer, type TelegramChat, type TelegramUser } from '../fakes/telegram/fake-telegram-server.js';
import { runAcai, temporaryFolder, unusedUrl, type CliRun } from './cli-support.js';
import { bearer, fakeModelEnv, REPO_PLUGINS_CONFIG, scriptedAssistant, startTestHost, twirpJson, type RunningTestHost } from './host-support.js';

const ADMIN_AND_CHAT_KEY = 'acai_cli_tg_admin_key_0123456789abcdef';
const CHAT_KEY = 'acai_cli_tg_chat_key_0123456789abcdefgh';
const ada: TelegramUser = { id: 4242, is_bot: false, first_name: 'Ada' };
const adaChat: TelegramChat = { id: 4242, type: 'private', first_name: 'Ada' };

let fake: FakeOpenAIServer;
let host: RunningTestHost;
let telegram: FakeTelegramServer;
let folder: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
  host = await startTestHost({ ...fakeModelEnv(fake), ACAI_API_KEYS: `${ADMIN_AND_CHAT_KEY}:tg:chat+admin,${CHAT_KEY}:tg:chat`, RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_BURST: '1000' });
  folder = await temporaryFolder('acai-cli-telegram-');
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  await folder?.remove();
});

beforeEach(async () => {
  telegram = await startFakeTelegramServer();
});

afterEach(async () => {
  await telegram.close();
});

/** Starts `acai telegram …` and waits until it long-polls; `stop()` ends it like Ctrl-C and returns the run. */
async function startBot(argv: string[], env: Record<string, string>): Promise<{ stop(): Promise<CliRun> }> {
  const shutdown = new AbortController();
  const running = runAcai(['telegram', '--token', telegram.token, '--api-root', telegram.apiRoot, '--log-level', 'warn', ...argv], { env, shutdownSignal: shutdown.signal });
  await Promise.race([telegram.waitFor(() => telegram.isPolling, 'the bot to poll'), running.then((run) => Promise.reject(new Error(`acai telegram ended early: ${run.stderr}`)))]);
  return {
    stop: async () => {
      shutdown.abort();
      return running;
    },
  };
}

describe('acai telegram (long polling)', () => {
  it('answers through a running host over Twirp and lists its tools on /start', async () => {
    // The tools come from the host's admin API; the greeting lists exactly what it reports.
    const admin = await twirpJson(host.url, 'ListPlugins', {}, bearer(ADMIN_AND_CHAT_KEY), 'acai.admin.PluginService');
    const reported: string[] = admin.status === 200 ? admin.body.plugins.flatMap((plugin: { tools?: Array<{ exposed_name: string }> }) => (plugin.tools ?? []).map((tool) => tool.exposed_name)) : [];
    const bot = await startBot(['--url', host.url, '--api-key', ADMIN_AND_CHAT_KEY], {});
    telegram.pushText({ text: '/start', chat: adaChat, from: ada });
    const [greeting] = await telegram.waitForMessages(adaChat.id, 1);
    expect(greeting).toContain('<b>Hi, Ada!</b>');
    for (const tool of reported) expect(greeting).toContain(`<code>${tool}</code> — `);
    if (reported.length === 0) expect(greeting).not.toContain('I can use these tools');
    telegram.pushText({ text: 'What time is it?', chat: adaChat, from: ada });
    const replies = await telegram.waitForMessages(adaChat.id, 2);
    expect(replies[1]).toMatch(/^The tool said: Current time in Europe\/Madrid/);
    expect(telegram.callsOf('sendChatAction').length).toBeGreaterThan(0);
    const run = await bot.stop();
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/acai telegram: polling as @acai_test_bot \(chat service at http:\/\/127\.0\.0\.1:\d+\); Ctrl-C to stop/);
  });

  it('keeps the conversation per chat: a follow-up continues it, /new starts another', async () => {
    const bot = await startBot(['--url', host.url, '--api-key', CHAT_KEY], {});
    const chat: TelegramChat = { id: 777, type: 'private', first_name: 'Bo' };
    const from: TelegramUser = { id: 777, is_bot: false, first_name: 'Bo' };
    telegram.pushText({ text: 'first message', chat, from });
    await telegram.waitForMessages(chat.id, 1);
    telegram.pushText({ text: 'second message', chat, from });
    await telegram.waitForMessages(chat.id, 2);
    telegram.pushText({ text: '/new', chat, from });
    telegram.pushText({ text: 'third message', chat, from });
    const texts = await telegram.waitForMessages(chat.id, 4);
    expect(texts).toEqual(['echo: first message', 'echo: second message', expect.stringContaining('fresh conversation'), 'echo: third message']);
    await bot.stop();
    // What the model saw: the second turn carried the first, the third did not.
    const userTurns = fake
      .completionBodies('fake-chat')
      .map((body) => body.messages.filter((message) => message.role === 'user').map((message) => message.content))
      .filter((contents) => contents.at(-1) === 'second message' || contents.at(-1) === 'third message');
    expect(userTurns).toEqual([['first message', 'second message'], ['third message']]);
  });

  it('greets without a tool list when the key cannot read the admin API', async () => {
    const bot = await startBot(['--url', host.url, '--api-key', CHAT_KEY], {});
    telegram.pushText({ text: '/start', chat: adaChat, from: ada });
    const [greeting] = await telegram.waitForMessages(adaChat.id, 1);
    expect(greeting).toContain('<b>Hi, Ada!</b>');
    expect(greeting).not.toContain('I can use these tools');
    const run = await bot.stop();
    expect(run.stderr).toContain('cannot list the host tools for /start');
  });

  it('runs the chat service in-process when no --url is given', async () => {
    const env = { ...fakeModelEnv(fake), PLUGINS_CONFIG: REPO_PLUGINS_CONFIG, ACAI_DATA_DIR: join(folder.path, 'in-process'), LOG_LEVEL: 'warn' };
    const bot = await startBot(['--tenant', 'telegram-bot'], env);
    telegram.pushText({ text: '/start', chat: adaChat, from: ada });
    telegram.pushText({ text: 'hello in-process', chat: adaChat, from: ada });
    const [greeting, reply] = await telegram.waitForMessages(adaChat.id, 2);
    expect(greeting).toContain('<code>holidays__list_holidays</code>');
    expect(reply).toBe('echo: hello in-process');
    const run = await bot.stop();
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/chat service in this process, embedded store/);
  });
});

describe('acai telegram set-webhook / delete-webhook', () => {
  it('registers <url>/telegram/webhook with the secret token, and removes it', async () => {
    const set = await runAcai(['telegram', 'set-webhook', 'https://acai.example.com', '--token', telegram.token, '--api-root', telegram.apiRoot], {
      env: { TELEGRAM_WEBHOOK_SECRET: 'hook-Secret_42' },
    });
    expect(set).toMatchObject({ code: 0, stdout: 'Webhook set: Telegram delivers updates to https://acai.example.com/telegram/webhook\n' });
    expect(telegram.callsOf('setWebhook')[0]!.params).toMatchObject({ url: 'https://acai.example.com/telegram/webhook', secret_token: 'hook-Secret_42' });
    const deleted = await runAcai(['telegram', 'delete-webhook', '--token', telegram.token, '--api-root', telegram.apiRoot]);
    expect(deleted.code).toBe(0);
    expect(telegram.callsOf('deleteWebhook')).toHaveLength(1);
  });
});

describe('acai telegram refusals', () => {
  it.each([
    [[], {}, /no bot token: pass --token or set TELEGRAM_BOT_TOKEN/],
    [['--token', 'not-a-token'], {}, /does not look like one from @BotFather/],
    [['--token', '1:abc', '--api-root', 'ftp://x'], {}, /--api-root must be an http\(s\) URL/],
    [['--token', '1:abc', 'bogus'], {}, /unknown subcommand "bogus"/],
    [['--token', '1:abc', '--url', 'http://127.0.0.1:1', '--tenant', 'x'], {}, /--tenant is for the in-process mode/],
    [['--token', '1:abc', '--tenant', '../x'], {}, /--tenant must be 1-64 letters/],
    [['set-webhook', 'https://a.example', '--token', '1:abc'], {}, /no secret: pass --secret or set TELEGRAM_WEBHOOK_SECRET/],
    [['set-webhook', 'https://a.example', '--token', '1:abc', '--secret', 'has spaces'], {}, /the secret must be 1–256 characters/],
    [['set-webhook', 'not a url', '--token', '1:abc', '--secret', 's'], {}, /"not a url" is not a URL/],
    [['set-webhook', 'http://plain.example', '--token', '1:abc', '--secret', 's'], {}, /only delivers webhooks to https:\/\/ URLs/],
    [['set-webhook', '--token', '1:abc'], {}, /missing the public URL/],
  ])('refuses %j with exit 2', async (argv, env, message) => {
    const result = await runAcai(['telegram', ...argv], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('waits for an unreachable Bot API until stopped, and refuses a token Telegram rejects, without printing the token', async () => {
    const unreachable = await runAcai(['telegram', '--token', telegram.token, '--api-root', await unusedUrl(), '--url', host.url], { shutdownSignal: AbortSignal.abort() });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/"msg":"cannot reach the Telegram Bot API at http:\/\/127\.0\.0\.1:\d+ yet; retrying until it answers \(Ctrl-C to stop\)"/);
    expect(unreachable.stderr).toMatch(/\nacai: stopped before the Telegram Bot API at http:\/\/127\.0\.0\.1:\d+ answered \(check the network and --api-root\)\n$/);
    const wrongToken = '999:WrongTokenWrongToken';
    const rejected = await runAcai(['telegram', '--token', wrongToken, '--api-root', telegram.apiRoot, '--url', host.url], { shutdownSignal: new AbortController().signal });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^acai: the Telegram Bot API at .* refused the bot: .*401.* \(check the token\)\n$/);
    expect(rejected.stderr).not.toContain('WrongToken');
  });
});
