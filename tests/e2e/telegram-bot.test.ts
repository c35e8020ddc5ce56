import { createTwirpChatClient } from '../../core/src/client/index.js';
import { APOLOGY_UNAVAILABLE, createTelegramBot, TELEGRAM_MESSAGE_LIMIT, type TelegramBot } from '../../core/src/telegram/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkTelegramHtml } from '../fakes/telegram/check-telegram-html.js';
import { startFakeTelegramServer, type FakeTelegramServer, type TelegramChat, type TelegramUser } from '../fakes/telegram/fake-telegram-server.js';
import { startChatStub, type ChatStub } from './cli-chat-stub.js';

const ada: TelegramUser = { id: 1111111, is_bot: false, first_name: 'Ada', last_name: 'L', username: 'ada', language_code: 'en' };
const bob: TelegramUser = { id: 2222222, is_bot: false, first_name: 'Bob', username: 'bob' };
const adaChat: TelegramChat = { id: 1111111, type: 'private', first_name: 'Ada', username: 'ada' };
const group: TelegramChat = { id: -1001234567890, type: 'supergroup', title: 'Team' };

const TOOLS = [
  { name: 'datetime__get_current_time', description: 'Current date & time in a <zone>' },
  { name: 'weather__get_forecast', description: 'Forecast for a location' },
];

let telegram: FakeTelegramServer;
let stub: ChatStub;
let bot: TelegramBot;
let polling: Promise<void>;

function visibleText(html: string): string {
  const checked = checkTelegramHtml(html);
  if (!checked.ok) throw new Error(checked.error);
  return checked.text;
}

beforeEach(async () => {
  telegram = await startFakeTelegramServer();
  stub = await startChatStub();
  bot = createTelegramBot({
    token: telegram.token,
    apiRoot: telegram.apiRoot,
    chat: createTwirpChatClient({ url: stub.url, timeoutMs: 10_000 }),
    listTools: () => TOOLS,
    retryDelaysMs: [1, 1],
    sleep: async () => undefined, // backoff and flood-control waits are not what these tests measure
  });
  polling = bot.start();
  await telegram.waitFor(() => telegram.isPolling, 'the bot to long-poll getUpdates');
});

afterEach(async () => {
  await bot.stop();
  await polling;
  await telegram.close();
  await stub.close();
});

describe('Telegram bot (long polling against a fake Bot API)', () => {
  it('starts like grammY does: getMe, deleteWebhook, then long-polling getUpdates', () => {
    const methods = telegram.calls.map((call) => call.method);
    expect(methods.slice(0, 2)).toEqual(['getMe', 'deleteWebhook']);
    expect(telegram.isPolling).toBe(true);
  });

  it('greets on /start and lists the enabled tools, escaped', async () => {
    telegram.pushText({ text: '/start', chat: adaChat, from: ada });
    const [greeting] = await telegram.waitForMessages(adaChat.id, 1);
    const call = telegram.callsOf('sendMessage')[0]!;
    expect(call.params.parse_mode).toBe('HTML');
    expect(greeting).toContain('<b>Hi, Ada!</b>');
    expect(greeting).toContain('• <code>datetime__get_current_time</code> — Current date &amp; time in a &lt;zone&gt;');
    expect(greeting).toContain('<code>weather__get_forecast</code>');
    expect(greeting).toContain('/new');
    expect(stub.requests).toEqual([]);
  });

  it('answers /help without calling the chat service', async () => {
    telegram.pushText({ text: '/help', chat: adaChat, from: ada });
    const [help] = await telegram.waitForMessages(adaChat.id, 1);
    expect(help).toContain('/new');
    expect(stub.requests).toEqual([]);
  });

  it('sends each text message to ContinueConversation with the chat session, showing typing first', async () => {
    stub.responder = (message) => ({ reply: `You said: ${message}` });
    telegram.pushText({ text: 'hello there', chat: adaChat, from: ada });
    const [reply] = await telegram.waitForMessages(adaChat.id, 1);
    expect(reply).toBe('You said: hello there');
    expect(stub.requestsOf('ContinueConversation').map((request) => request.body)).toEqual([
      { message: 'hello there', session_metadata: { platform: 'telegram', user_id: '1111111', chat_id: '1111111' } },
    ]);
    const methods = telegram.calls.map((call) => call.method);
    expect(methods.indexOf('sendChatAction')).toBeGreaterThan(-1);
    expect(methods.indexOf('sendChatAction')).toBeLessThan(methods.indexOf('sendMessage'));
    expect(telegram.callsOf('sendChatAction')[0]!.params).toMatchObject({ chat_id: adaChat.id, action: 'typing' });
  });

  it('/new makes the next message start a fresh conversation for the same session', async () => {
    telegram.pushText({ text: 'first', chat: adaChat, from: ada });
    await telegram.waitForMessages(adaChat.id, 1);
    const firstConversation = [...stub.conversations.keys()];
    telegram.pushText({ text: '/new', chat: adaChat, from: ada });
    const afterNew = await telegram.waitForMessages(adaChat.id, 2);
    expect(afterNew[1]).toContain('fresh conversation');
    telegram.pushText({ text: 'second', chat: adaChat, from: ada });
    await telegram.waitForMessages(adaChat.id, 3);
    telegram.pushText({ text: 'third', chat: adaChat, from: ada });
    await telegram.waitForMessages(adaChat.id, 4);

    const session = { platform: 'telegram', user_id: '1111111', chat_id: '1111111' };
    expect(stub.requests.map((request) => [request.method, request.body.message])).toEqual([
      ['ContinueConversation', 'first'],
      ['StartConversation', 'second'],
      ['ContinueConversation', 'third'],
    ]);
    expect(stub.requestsOf('StartConversation')[0]!.body.session_metadata).toEqual(session);
    const conversations = [...stub.conversations.values()];
    expect(conversations).toHaveLength(2);
    const fresh = conversations.find((conversation) => !firstConversation.includes(conversation.id))!;
    expect(fresh.messages.map((message) => message.content)).toEqual(['second', 'echo: second', 'third', 'echo: third']);
  });

  it('/new with text starts the fresh conversation with that text right away', async () => {
    telegram.pushText({ text: '/new what is the date?', chat: adaChat, from: ada });
    const [reply] = await telegram.waitForMessages(adaChat.id, 1);
    expect(reply).toBe('echo: what is the date?');
    expect(stub.requestsOf('StartConversation').map((request) => request.body)).toEqual([
      { message: 'what is the date?', session_metadata: { platform: 'telegram', user_id: '1111111', chat_id: '1111111' } },
    ]);
  });

  it('splits a long reply into messages of at most 4096 characters without breaking words or formatting', async () => {
    const words = Array.from({ length: 2500 }, (_, index) => (index % 50 === 0 ? `**bold${index} text**` : `word${index}`));
    stub.responder = () => ({ reply: words.join(' ') });
    telegram.pushText({ text: 'tell me a long story', chat: adaChat, from: ada });
    await telegram.waitFor(() => telegram.callsOf('sendMessage').length >= 3, 'a split reply');
    await bot.idle();
    const sends = telegram.callsOf('sendMessage');
    expect(sends.every((call) => call.response.ok)).toBe(true); // the fake parsed every part's HTML
    const parts = telegram.sentTexts(adaChat.id);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
    const expectedWords = words.join(' ').replace(/\*\*/g, '').split(' ');
    expect(parts.flatMap((part) => visibleText(part).split(/\s+/).filter(Boolean))).toEqual(expectedWords);
  });

  it('escapes text that looks like HTML so Telegram shows it literally', async () => {
    stub.responder = () => ({ reply: 'Use <b>& enjoy</b> a < b && c > d' });
    telegram.pushText({ text: 'escape test', chat: adaChat, from: ada });
    const [sent] = await telegram.waitForMessages(adaChat.id, 1);
    expect(sent).toBe('Use &lt;b&gt;&amp; enjoy&lt;/b&gt; a &lt; b &amp;&amp; c &gt; d');
    expect(visibleText(sent!)).toBe('Use <b>& enjoy</b> a < b && c > d');
  });

  it('in a group, maps each user and the chat to their own session and replies to the message', async () => {
    const first = telegram.pushText({ text: '@acai_test_bot what time is it?', chat: group, from: ada });
    await telegram.waitForMessages(group.id, 1);
    const second = telegram.pushText({ text: 'and tomorrow?', chat: group, from: bob, replyToBot: true });
    await telegram.waitForMessages(group.id, 2);
    telegram.pushText({ text: 'just chatting among humans', chat: group, from: bob });
    telegram.pushText({ text: '/help@acai_test_bot', chat: group, from: bob });
    await telegram.waitForMessages(group.id, 3);

    expect(stub.requestsOf('ContinueConversation').map((request) => request.body)).toEqual([
      { message: 'what time is it?', session_metadata: { platform: 'telegram', user_id: '1111111', chat_id: String(group.id) } },
      { message: 'and tomorrow?', session_metadata: { platform: 'telegram', user_id: '2222222', chat_id: String(group.id) } },
    ]);
    const replies = telegram.callsOf('sendMessage').slice(0, 2);
    const messageId = (update: Record<string, unknown>) => (update.message as { message_id: number }).message_id;
    expect(replies.map((call) => (call.params.reply_parameters as { message_id: number }).message_id)).toEqual([
      messageId(first),
      messageId(second),
    ]);
    expect(stub.conversations.size).toBe(2);
  });

  it('retries while the host is briefly unavailable, then apologises and keeps polling', async () => {
    // Every attempt (1 + 2 retries) hits a proxy answering 503 for the down host.
    stub.failFromIntermediary(503, '<html>503 Service Unavailable</html>', 3);
    telegram.pushText({ text: 'are you there?', chat: adaChat, from: ada });
    const [apology] = await telegram.waitForMessages(adaChat.id, 1);
    expect(apology).toBe(APOLOGY_UNAVAILABLE);
    expect(apology).not.toMatch(/Error|at |stack|503/);
    expect(stub.requestsOf('ContinueConversation')).toHaveLength(3);

    // The host comes back: the bot is still polling and answers normally.
    telegram.pushText({ text: 'now?', chat: adaChat, from: ada });
    const messages = await telegram.waitForMessages(adaChat.id, 2);
    expect(messages[1]).toBe('echo: now?');
  });

  it('recovers after the host process itself was down (connection refused)', async () => {
    const port = Number(new URL(stub.url).port);
    await stub.close();
    telegram.pushText({ text: 'hello?', chat: adaChat, from: ada });
    const [apology] = await telegram.waitForMessages(adaChat.id, 1);
    expect(apology).toBe(APOLOGY_UNAVAILABLE);

    stub = await startChatStub({ port });
    telegram.pushText({ text: 'back?', chat: adaChat, from: ada });
    const messages = await telegram.waitForMessages(adaChat.id, 2);
    expect(messages[1]).toBe('echo: back?');
  });

  it('answers a chat service error that is not transient with a short apology, without retrying', async () => {
    stub.failWithTwirp('internal', 'mongo: connection pool closed at db.go:42', 500);
    telegram.pushText({ text: 'boom', chat: adaChat, from: ada });
    const [apology] = await telegram.waitForMessages(adaChat.id, 1);
    expect(apology).toMatch(/^Sorry/);
    expect(apology).not.toContain('mongo');
    expect(stub.requestsOf('ContinueConversation')).toHaveLength(1);
  });

  it('waits out Telegram flood control (429 retry_after) and resends', async () => {
    telegram.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } });
    telegram.pushText({ text: 'one', chat: adaChat, from: ada });
    const messages = await telegram.waitForMessages(adaChat.id, 1);
    expect(messages).toEqual(['echo: one']);
    expect(telegram.callsOf('sendMessage').map((call) => call.response.ok)).toEqual([false, true]);
  });

  it('keeps running when Telegram refuses a send, and answers the next message', async () => {
    telegram.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    telegram.pushText({ text: 'one', chat: adaChat, from: ada });
    await telegram.waitFor(() => telegram.callsOf('sendMessage').length >= 1, 'the refused send');
    telegram.pushText({ text: 'two', chat: adaChat, from: ada });
    const messages = await telegram.waitForMessages(adaChat.id, 1);
    expect(messages).toEqual(['echo: two']);
  });

  it('tells private users it reads text only', async () => {
    telegram.pushUpdate({
      message: { message_id: 77, date: 1_767_225_600, chat: adaChat, from: ada, sticker: { file_id: 'x', file_unique_id: 'y', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } },
    });
    const [answer] = await telegram.waitForMessages(adaChat.id, 1);
    expect(answer).toContain('text');
    expect(stub.requests).toEqual([]);
  });
});
