import { GrammyError, type Context } from 'grammy';
import type { Chat } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { TELEGRAM_MESSAGE_LIMIT } from './split-telegram-message.js';
import type { TelegramLogger } from './telegram-logger.js';
import { htmlToPlainText, TelegramReplySender } from './telegram-reply-sender.js';

const privateChat: Chat.PrivateChat = { id: 1111, type: 'private', first_name: 'Ada' };
const group: Chat.SupergroupChat = { id: -100123, type: 'supergroup', title: 'Team' };

interface Sent {
  readonly text: string;
  readonly options: unknown;
}

/** A chat whose sends succeed, except for the failures queued in `failNext`. */
function fakeChat(chat: Chat) {
  const sent: Sent[] = [];
  const failNext: Error[] = [];
  const message = { message_id: 77, date: 0, chat, text: 'question' } as Context['message'];
  const reply = async (text: string, options?: unknown) => {
    const failure = failNext.shift();
    if (failure) throw failure;
    sent.push({ text, options });
    return {};
  };
  return { context: { chat, message, reply: reply as Context['reply'] }, sent, failNext };
}

function telegramError(errorCode: number, description: string, parameters = {}): GrammyError {
  return new GrammyError('Call to sendMessage failed!', { ok: false, error_code: errorCode, description, parameters }, 'sendMessage', {});
}

function recordingLogger() {
  const warnings: Array<Record<string, unknown>> = [];
  const logger: TelegramLogger = { info() {}, warn: (fields) => void warnings.push(fields), error() {} };
  return { logger, warnings };
}

function sender(options: { sleeps?: number[]; logger?: TelegramLogger } = {}) {
  const sleeps = options.sleeps ?? [];
  return new TelegramReplySender({ logger: options.logger ?? recordingLogger().logger, sleep: async (milliseconds) => void sleeps.push(milliseconds) });
}

describe('TelegramReplySender.sendHtml', () => {
  it('sends HTML without link previews, split into messages Telegram accepts', async () => {
    const { context, sent } = fakeChat(privateChat);
    const html = Array.from({ length: 2000 }, (_, index) => `word${index}`).join(' ');
    await sender().sendHtml(context, html);
    expect(sent.length).toBeGreaterThan(1);
    for (const part of sent) {
      expect(part.text.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
      expect(part.options).toEqual({ parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
    }
    expect(sent.map((part) => part.text).join(' ')).toBe(html);
  });

  it('in a group, replies to the message it answers (even if that message was deleted)', async () => {
    const { context, sent } = fakeChat(group);
    await sender().sendHtml(context, '<b>hi</b>');
    expect(sent[0]?.options).toMatchObject({ reply_parameters: { message_id: 77, allow_sending_without_reply: true } });
  });

  it('waits out flood control for as long as Telegram asks, then resends', async () => {
    const { context, sent, failNext } = fakeChat(privateChat);
    failNext.push(telegramError(429, 'Too Many Requests: retry after 3', { retry_after: 3 }));
    const sleeps: number[] = [];
    await sender({ sleeps }).sendHtml(context, 'hello');
    expect(sleeps).toEqual([3000]);
    expect(sent.map((part) => part.text)).toEqual(['hello']);
  });

  it('gives up on flood control after three waits, or when asked to wait more than a minute', async () => {
    const persistent = fakeChat(privateChat);
    for (let index = 0; index < 4; index++) persistent.failNext.push(telegramError(429, 'Too Many Requests', { retry_after: 1 }));
    const sleeps: number[] = [];
    await expect(sender({ sleeps }).sendHtml(persistent.context, 'hello')).rejects.toMatchObject({ error_code: 429 });
    expect(sleeps).toEqual([1000, 1000, 1000]);

    const long = fakeChat(privateChat);
    long.failNext.push(telegramError(429, 'Too Many Requests', { retry_after: 61 }));
    const noSleeps: number[] = [];
    await expect(sender({ sleeps: noSleeps }).sendHtml(long.context, 'hello')).rejects.toMatchObject({ error_code: 429 });
    expect(noSleeps).toEqual([]);
  });

  it('resends as plain text when Telegram cannot parse the HTML', async () => {
    const { context, sent, failNext } = fakeChat(group);
    failNext.push(telegramError(400, "Bad Request: can't parse entities: Unsupported start tag"));
    const { logger, warnings } = recordingLogger();
    await sender({ logger }).sendHtml(context, '<b>5 &lt; 6 &amp; "fine"</b>');
    expect(sent).toEqual([{ text: '5 < 6 & "fine"', options: { reply_parameters: { message_id: 77, allow_sending_without_reply: true } } }]);
    expect(warnings).toHaveLength(1);
  });

  it('lets other refusals through to the caller', async () => {
    const { context, failNext } = fakeChat(privateChat);
    failNext.push(telegramError(403, 'Forbidden: bot was blocked by the user'));
    await expect(sender().sendHtml(context, 'hello')).rejects.toMatchObject({ error_code: 403 });
  });
});

describe('TelegramReplySender.sendText', () => {
  it('sends plain text, unformatted, with flood control', async () => {
    const { context, sent, failNext } = fakeChat(privateChat);
    failNext.push(telegramError(429, 'Too Many Requests', { retry_after: 2 }));
    await sender().sendText(context, 'Sorry <b>');
    expect(sent).toEqual([{ text: 'Sorry <b>', options: undefined }]);
  });
});

describe('htmlToPlainText', () => {
  it('drops tags and decodes the entities our HTML uses, ampersands last', () => {
    expect(htmlToPlainText('<a href="https://x.test/?a=1&amp;b=2">link</a> &amp;lt; stays')).toBe('link &lt; stays');
    expect(htmlToPlainText('<pre><code>if (a &lt; b &amp;&amp; c &gt; d) "x"</code></pre>')).toBe('if (a < b && c > d) "x"');
  });
});
