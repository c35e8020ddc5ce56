import type { Context } from 'grammy';
import { TwirpClientError, type ChatApi, type SessionMetadata } from '../client/index.js';
import { renderTelegramHtml } from './render-telegram-html.js';
import { describeError, type TelegramLogger } from './telegram-logger.js';
import type { ReplyContext, TelegramReplySender } from './telegram-reply-sender.js';
import { sessionKey } from './telegram-session.js';
import { apologyFor, NO_ANSWER_HTML } from './telegram-texts.js';

/** Which chat call a message becomes: StartConversation after /new, ContinueConversation otherwise. */
export type TurnKind = 'start' | 'continue';

/** What {@link TelegramTurns} needs. */
export interface TelegramTurnsOptions {
  readonly chat: Pick<ChatApi, 'startConversation' | 'continueConversation'>;
  readonly sender: TelegramReplySender;
  readonly logger: TelegramLogger;
  /** Waits before each retry of a chat call that failed transiently. */
  readonly retryDelaysMs: readonly number[];
  /** How often the typing indicator is re-sent while waiting (Telegram shows it ≤ 5 s). */
  readonly typingIntervalMs: number;
  readonly sleep: (milliseconds: number) => Promise<void>;
}

/** The chat an answered message came from: where the reply and the typing indicator go. */
export type TurnContext = ReplyContext & Pick<Context, 'replyWithChatAction'>;

/**
 * One chat turn per message: the message goes to the chat service (a fresh conversation after /new),
 * the typing indicator runs while it is answered, transient failures are retried with backoff, and the
 * reply is rendered to Telegram HTML — or a short apology is sent when the turn failed.
 */
export class TelegramTurns {
  readonly #options: TelegramTurnsOptions;
  // Sessions that asked for /new: their next message starts a conversation.
  readonly #startingFresh = new Set<string>();

  constructor(options: TelegramTurnsOptions) {
    this.#options = options;
  }

  /** After /new: the session's next message starts a new conversation (until one was answered). */
  startFresh(session: SessionMetadata): void {
    this.#startingFresh.add(sessionKey(session));
  }

  nextTurn(session: SessionMetadata): TurnKind {
    return this.#startingFresh.has(sessionKey(session)) ? 'start' : 'continue';
  }

  async answer(context: TurnContext, session: SessionMetadata, text: string): Promise<void> {
    const { logger, sender } = this.#options;
    const kind = this.nextTurn(session);
    let reply: string | undefined;
    try {
      reply = await this.#withTyping(context, () => this.#withRetry(() => this.#callChat(kind, session, text)));
    } catch (error) {
      logger.error({ err: describeError(error), chatId: session.chat_id }, 'chat turn failed');
      await sender.sendText(context, apologyFor(error));
      return;
    }
    // Only an answered turn uses up the /new: after a failure the next message tries the fresh start again.
    if (kind === 'start') this.#startingFresh.delete(sessionKey(session));
    const html = renderTelegramHtml(reply ?? '');
    await sender.sendHtml(context, html === '' ? NO_ANSWER_HTML : html);
  }

  async #callChat(kind: TurnKind, session: SessionMetadata, text: string): Promise<string | undefined> {
    const request = { message: text, session_metadata: session };
    const response = kind === 'start' ? await this.#options.chat.startConversation(request) : await this.#options.chat.continueConversation(request);
    return response.reply;
  }

  async #withTyping<T>(context: TurnContext, work: () => Promise<T>): Promise<T> {
    const sendTyping = () =>
      context.replyWithChatAction('typing').catch((error: unknown) => this.#options.logger.warn({ err: describeError(error) }, 'sendChatAction failed'));
    void sendTyping();
    const timer = setInterval(() => void sendTyping(), this.#options.typingIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  async #withRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const delay = this.#options.retryDelaysMs[attempt];
        if (!TwirpClientError.isInstance(error) || !error.isRetryable || delay === undefined) throw error;
        this.#options.logger.warn({ err: describeError(error), attempt: attempt + 1, delayMs: delay }, 'chat service unavailable; retrying');
        await this.#options.sleep(delay);
      }
    }
  }
}
