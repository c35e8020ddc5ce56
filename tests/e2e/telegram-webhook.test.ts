import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTwirpChatClient } from '../../core/src/client/index.js';
import { createTelegramBot, telegramWebhook, TELEGRAM_WEBHOOK_PATH, type TelegramBot } from '../../core/src/telegram/index.js';
import { startFakeTelegramServer, type FakeTelegramServer, type TelegramChat, type TelegramUser } from '../fakes/telegram/fake-telegram-server.js';
import { startChatStub, type ChatStub } from './cli-chat-stub.js';

const SECRET = 'webhook-Secret_0123456789';
const ada: TelegramUser = { id: 1111111, is_bot: false, first_name: 'Ada' };
const adaChat: TelegramChat = { id: 1111111, type: 'private', first_name: 'Ada' };

let telegram: FakeTelegramServer;
let stub: ChatStub;
let bot: TelegramBot;
let app: FastifyInstance;

beforeEach(async () => {
  telegram = await startFakeTelegramServer();
  stub = await startChatStub();
  bot = createTelegramBot({
    token: telegram.token,
    apiRoot: telegram.apiRoot,
    chat: createTwirpChatClient({ url: stub.url }),
    listTools: () => [{ name: 'datetime__get_current_time', description: 'Current time' }],
  });
  app = Fastify();
  await app.register(telegramWebhook, { bot, secretToken: SECRET });
  await app.ready();
});

afterEach(async () => {
  await app.close();
  await telegram.close();
  await stub.close();
});

function update(text: string, updateId = 500): Record<string, unknown> {
  return { update_id: updateId, message: telegram.textMessage({ text, chat: adaChat, from: ada }) };
}

describe('Telegram webhook route', () => {
  it('rejects a delivery without the secret-token header with 401 and does nothing', async () => {
    const response = await app.inject({ method: 'POST', url: TELEGRAM_WEBHOOK_PATH, payload: update('hello') });
    expect(response.statusCode).toBe(401);
    expect(telegram.calls).toEqual([]);
    expect(stub.requests).toEqual([]);
  });

  it('rejects a wrong secret token (same length and different length) with 401', async () => {
    for (const wrong of [SECRET.replace('S', 's'), `${SECRET}x`, 'short']) {
      const response = await app.inject({
        method: 'POST',
        url: TELEGRAM_WEBHOOK_PATH,
        headers: { 'x-telegram-bot-api-secret-token': wrong },
        payload: update('hello'),
      });
      expect(response.statusCode).toBe(401);
    }
    expect(stub.requests).toEqual([]);
  });

  it('accepts an update with the right secret with 200 and answers it through the chat service', async () => {
    const response = await app.inject({
      method: 'POST',
      url: TELEGRAM_WEBHOOK_PATH,
      headers: { 'x-telegram-bot-api-secret-token': SECRET },
      payload: update('hello from a webhook'),
    });
    expect(response.statusCode).toBe(200);
    const [reply] = await telegram.waitForMessages(adaChat.id, 1);
    expect(reply).toBe('echo: hello from a webhook');
    expect(stub.requestsOf('ContinueConversation')[0]!.body).toEqual({
      message: 'hello from a webhook',
      session_metadata: { platform: 'telegram', user_id: '1111111', chat_id: '1111111' },
    });
  });

  it('handles a redelivered update only once', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await app.inject({
        method: 'POST',
        url: TELEGRAM_WEBHOOK_PATH,
        headers: { 'x-telegram-bot-api-secret-token': SECRET },
        payload: update('once please', 900),
      });
      expect(response.statusCode).toBe(200);
    }
    await bot.idle();
    expect(telegram.sentTexts(adaChat.id)).toEqual(['echo: once please']);
    expect(stub.requestsOf('ContinueConversation')).toHaveLength(1);
  });

  it('answers /start through the webhook with the tool list', async () => {
    const response = await app.inject({
      method: 'POST',
      url: TELEGRAM_WEBHOOK_PATH,
      headers: { 'x-telegram-bot-api-secret-token': SECRET },
      payload: update('/start', 901),
    });
    expect(response.statusCode).toBe(200);
    const [greeting] = await telegram.waitForMessages(adaChat.id, 1);
    expect(greeting).toContain('<code>datetime__get_current_time</code>');
  });

  it('refuses a body that is not an update with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: TELEGRAM_WEBHOOK_PATH,
      headers: { 'x-telegram-bot-api-secret-token': SECRET },
      payload: { hello: 'world' },
    });
    expect(response.statusCode).toBe(400);
  });

  it('refuses to register with a secret token Telegram would not accept', async () => {
    const other = Fastify();
    other.register(telegramWebhook, { bot, secretToken: 'has spaces!' });
    await expect(other.ready()).rejects.toThrow(/secret token/);
    await other.close();
  });
});
