import { GrammyError, type Context } from 'grammy';
import { splitTelegramMessage } from './split-telegram-message.js';
import type { TelegramLogger } from './telegram-logger.js';
import { isGroupChat } from './telegram-session.js';

/** The chat an update came from, as far as answering it goes (a grammY Context fits). */
export type ReplyContext = Pick<Context, 'chat' | 'message' | 'reply'>;

/** What a {@link TelegramReplySender} needs. */
export interface TelegramReplySenderOptions {
  readonly logger: TelegramLogger;
  readonly sleep: (milliseconds: number) => Promise<void>;
}

// Telegram's flood control asks to wait up to this long; a longer wait is given up (the send fails).
const MAX_FLOOD_WAIT_SECONDS = 60;
const MAX_FLOOD_RETRIES = 3;

/**
 * Sends the bot's answers: Telegram HTML split at 4096 characters, as replies to the message in groups,
 * waiting out flood control (429 `retry_after`), and falling back to plain text when Telegram cannot
 * parse the HTML.
 */
export class TelegramReplySender {
  readonly #logger: TelegramLogger;
  readonly #sleep: (milliseconds: number) => Promise<void>;

  constructor(options: TelegramReplySenderOptions) {
    this.#logger = options.logger;
    this.#sleep = options.sleep;
  }

  async sendHtml(context: ReplyContext, html: string): Promise<void> {
    const replyTo = replyParameters(context);
    for (const part of splitTelegramMessage(html)) {
      try {
        await this.#withFloodControl(() => context.reply(part, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...replyTo }));
      } catch (error) {
        // Our HTML should always parse; if Telegram disagrees, send the text without formatting.
        if (!(error instanceof GrammyError && error.error_code === 400 && /parse entities/i.test(error.description))) throw error;
        this.#logger.warn({ description: error.description }, 'telegram rejected HTML; resending as plain text');
        await this.#withFloodControl(() => context.reply(htmlToPlainText(part), replyTo));
      }
    }
  }

  /** One plain-text message (an apology), not split and not formatted. */
  async sendText(context: Pick<Context, 'reply'>, text: string): Promise<void> {
    await this.#withFloodControl(() => context.reply(text));
  }

  async #withFloodControl<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const retryAfter = error instanceof GrammyError && error.error_code === 429 ? error.parameters.retry_after : undefined;
        if (retryAfter === undefined || attempt >= MAX_FLOOD_RETRIES || retryAfter > MAX_FLOOD_WAIT_SECONDS) throw error;
        this.#logger.warn({ retryAfterSeconds: retryAfter }, 'telegram flood control; waiting');
        await this.#sleep(retryAfter * 1000);
      }
    }
  }
}

/** In groups a reply points at the message it answers (still sent if that message is gone). */
function replyParameters(context: Pick<Context, 'chat' | 'message'>) {
  return isGroupChat(context) && context.message ? { reply_parameters: { message_id: context.message.message_id, allow_sending_without_reply: true } } : {};
}

/** Our Telegram HTML as the text it shows: tags removed, the entities we write decoded. */
export function htmlToPlainText(html: string): string {
  return html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}
