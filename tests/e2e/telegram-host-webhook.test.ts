import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The Telegram webhook served by the real host (TELEGRAM_BOT_TOKEN + TELEGRAM_WEBHOOK_SECRET), answering
// through the host's own chat service in-process, against the fake Bot API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHostConfig } from '../../core/src/config/env-config.js';
import { buildApp } from '../../core/src/app.js';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { startFakeTelegramServer, type FakeTelegramServer, type TelegramChat, type TelegramUser } from '../fakes/telegram/fake-telegram-server.js';
import { fakeModelEnv, REPO_PLUGINS_CONFIG, scriptedAssistant, startTestHost, type RunningTestHost } from './host-support.js';

const SECRET = 'host-webhook-Secret_0123';
const ada: TelegramUser = { id: 5151, is_bot: false, first_name: 'Ada' };
const adaChat: TelegramChat = { id: 5151, type: 'private', first_name: 'Ada' };
const team: TelegramChat = { id: -100777, type: 'supergroup', title: 'Team' };
const bob: TelegramUser = { id: 6161, is_bot: false, first_name: 'Bob' };

let fake: FakeOpenAIServer;
let telegram: FakeTelegramServer;
let host: RunningTestHost;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
  telegram = await startFakeTelegramServer();
  host = await startTestHost({
    ...fakeModelEnv(fake),
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    // A tiny per-address budget: every delivery comes from one address (Telegram's), and the webhook
    // must not be throttled by it — it is authenticated by its secret-token header instead.
    RATE_LIMIT_PER_MINUTE: '1',
    RATE_LIMIT_BURST: '2',
  });
});

afterAll(async () => {
  await host?.close();
  await telegram?.close();
  await fake?.close();
});

async function deliver(update: Record<string, unknown>, secret: string | null = SECRET): Promise<number> {
  const response = await fetch(`${host.url}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }) },
    body: JSON.stringify(update),
  });
  await response.arrayBuffer();
  return response.status;
}

/** A raw POST to the webhook (with the right secret unless `headers` says otherwise): status and parsed body. */
async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${host.url}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET, ...headers },
    body,
  });
  const raw = await response.text();
  // Never Fastify's own error body, its codes or a stack.
  expect(raw).not.toMatch(/FST_|statusCode|"error":|\bat \S+:\d+/);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, body: JSON.parse(raw) as unknown };
}

let updateId = 70_000;
const text = (value: string, chat: TelegramChat = adaChat, from: TelegramUser = ada) => ({ update_id: updateId++, message: telegram.textMessage({ text: value, chat, from }) });

describe('the host as a Telegram webhook', () => {
  it('refuses deliveries without the secret token, or with a wrong one, in the host error shape', async () => {
    expect(await deliver(text('hello'), null)).toBe(401);
    expect(await deliver(text('hello'), `${SECRET}x`)).toBe(401);
    expect(await deliver({ not: 'an update' })).toBe(400);
    expect(await deliver({ update_id: 'seven', message: {} })).toBe(400);
    expect(await post(JSON.stringify(text('hello')), { 'x-telegram-bot-api-secret-token': 'wrong' })).toEqual({
      status: 401,
      body: { code: 'unauthenticated', msg: 'the X-Telegram-Bot-Api-Secret-Token header is missing or wrong' },
    });
    expect(await post('{"not":"an update"}')).toEqual({ status: 400, body: { code: 'invalid_argument', msg: 'the body is not a Telegram update', meta: { argument: 'body' } } });
    expect(telegram.callsOf('sendMessage')).toHaveLength(0);
  });

  it('refuses malformed, oversized and mistyped bodies before they reach the bot, in the host error shape', async () => {
    const limit = host.app.config.server.maxBodyBytes;
    const malformed = { status: 400, body: { code: 'malformed', msg: 'the request body is not valid JSON', meta: { argument: 'body' } } };
    expect(await post('{"update_id": 1, "message": ')).toEqual(malformed);
    expect(await post('')).toEqual(malformed);
    // Prototype pollution is refused by the JSON parser, like any other body that is not plain JSON data.
    expect(await post('{"update_id": 2, "__proto__": {"isAdmin": true}}')).toEqual(malformed);
    expect(await post(JSON.stringify({ update_id: updateId++, message: { text: 'x'.repeat(limit + 1) } }))).toEqual({
      status: 413,
      body: {
        code: 'resource_exhausted',
        msg: `request body too large: the limit is ${limit} bytes (MAX_BODY_BYTES); send a smaller request`,
        meta: { argument: 'body', reason: 'body_too_large', limit_bytes: String(limit) },
      },
    });
    const mistyped = {
      status: 415,
      body: { code: 'malformed', msg: 'this route does not accept a body of that Content-Type; send application/json', meta: { argument: 'content-type' } },
    };
    expect(await post('<update id="1"/>', { 'content-type': 'application/xml' })).toEqual(mistyped);
    expect(await post('update_id=1', { 'content-type': 'application/x-www-form-urlencoded' })).toEqual(mistyped);
    // Text is a body Fastify reads as a string: the route itself finds it is no update.
    expect((await post(JSON.stringify(text('hello')), { 'content-type': 'text/plain' })).status).toBe(400);
    expect(telegram.callsOf('sendMessage')).toHaveLength(0);
  });

  it('answers a message through its own chat service, calling plugin tools', async () => {
    expect(await deliver(text('What time is it?'))).toBe(200);
    const [reply] = await telegram.waitForMessages(adaChat.id, 1);
    expect(reply).toMatch(/^The tool said: Current time in Europe\/Madrid/);
  });

  it('lists the tools the plugin host offers on /start', async () => {
    expect(await deliver(text('/start'))).toBe(200);
    const messages = await telegram.waitForMessages(adaChat.id, 2);
    for (const tool of host.app.pluginHost.listTools()) expect(messages[1]).toContain(`<code>${tool.exposedName}</code>`);
  });

  it('keeps one conversation per chat (and per user in groups) in the host store, tenant "default"', async () => {
    const before = (await host.app.store.list('default', { pageSize: 100 })).conversations.length;
    await deliver(text('follow-up in the private chat'));
    await telegram.waitForMessages(adaChat.id, 3);
    await deliver(text('@acai_test_bot hi from the group', team, ada));
    await telegram.waitForMessages(team.id, 1);
    await deliver(text('@acai_test_bot me too', team, bob));
    await telegram.waitForMessages(team.id, 2);
    const page = await host.app.store.list('default', { pageSize: 100 });
    // The private chat continued its conversation; the group got one per user.
    expect(page.conversations.length).toBe(before + 2);
    const models = fake.completionBodies('fake-chat').map((body) => body.messages.filter((message) => message.role === 'user').map((message) => message.content));
    expect(models.find((turn) => turn.at(-1) === 'follow-up in the private chat')).toEqual(['What time is it?', 'follow-up in the private chat']);
    expect(models.find((turn) => turn.at(-1) === 'me too')).toEqual(['me too']);
  });

  it('refuses to start with a webhook secret Telegram would not accept', async () => {
    // The secret is refused before the host opens its stores: the data directory is never created.
    const dataDir = join(tmpdir(), `acai-never-used-${randomUUID()}`);
    const env = { PLUGINS_CONFIG: REPO_PLUGINS_CONFIG, ACAI_DATA_DIR: dataDir, TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_WEBHOOK_SECRET: 'has spaces', LOG_LEVEL: 'silent' };
    await expect(buildApp(loadHostConfig(env), { env })).rejects.toMatchObject({ code: 'HOST_CONFIG_INVALID', message: expect.stringContaining('TELEGRAM_WEBHOOK_SECRET must be 1–256 characters') });
    expect(existsSync(dataDir)).toBe(false);
  });
});
