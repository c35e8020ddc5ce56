import type { Bot } from 'grammy';
import type { ChatQueues } from './chat-queues.js';
import { describeError, type TelegramLogger } from './telegram-logger.js';
import type { TelegramReplySender } from './telegram-reply-sender.js';
import { addressedText, isGroupChat, sessionFor } from './telegram-session.js';
import { FRESH_CONVERSATION_TEXT, HELP_TEXT, startGreeting, TEXT_ONLY_TEXT, UNKNOWN_COMMAND_TEXT, type TelegramToolSummary } from './telegram-texts.js';
import type { TelegramTurns } from './telegram-turns.js';

/** The parts the handlers hand their work to. */
export interface TelegramHandlerParts {
  readonly turns: TelegramTurns;
  readonly sender: TelegramReplySender;
  /** Everything that answers a chat goes through its queue, so replies keep the order of the messages. */
  readonly queues: ChatQueues;
  readonly listTools?: (() => Promise<readonly TelegramToolSummary[]> | readonly TelegramToolSummary[]) | undefined;
  readonly logger: TelegramLogger;
}

/**
 * What the bot does with each kind of update: /start (greeting and tools), /help, /new (fresh conversation,
 * optionally with a first question), text messages (a chat turn; in groups only those addressed to the
 * bot), unknown commands and non-text messages (a short hint, in private chats only).
 */
export function registerTelegramHandlers(bot: Bot, parts: TelegramHandlerParts): void {
  const { turns, sender, queues, logger } = parts;

  bot.command('start', async (context) => {
    let tools: readonly TelegramToolSummary[] = [];
    try {
      tools = (await parts.listTools?.()) ?? [];
    } catch (error) {
      logger.warn({ err: describeError(error) }, 'could not list tools for /start');
    }
    await sender.sendHtml(context, startGreeting(context.from?.first_name, tools));
  });

  bot.command('help', (context) => sender.sendHtml(context, HELP_TEXT));

  bot.command('new', (context) => {
    const session = sessionFor(context);
    if (!session) return;
    turns.startFresh(session);
    const text = typeof context.match === 'string' ? context.match.trim() : '';
    queues.enqueue(session.chat_id, () => (text === '' ? sender.sendHtml(context, FRESH_CONVERSATION_TEXT) : turns.answer(context, session, text)));
  });

  bot.on('message:text', (context) => {
    if (context.message.text.startsWith('/')) {
      if (!isGroupChat(context)) queues.enqueue(String(context.chat.id), () => sender.sendHtml(context, UNKNOWN_COMMAND_TEXT));
      return;
    }
    const text = addressedText(context, bot.botInfo);
    const session = sessionFor(context);
    if (text === undefined || text === '' || !session) return;
    queues.enqueue(session.chat_id, () => turns.answer(context, session, text));
  });

  bot.on('message', (context) => {
    if (isGroupChat(context)) return;
    queues.enqueue(String(context.chat.id), () => sender.sendHtml(context, TEXT_ONLY_TEXT));
  });

  bot.catch((error) => {
    logger.error({ err: describeError(error.error), updateId: error.ctx.update.update_id }, 'telegram update failed');
  });
}
