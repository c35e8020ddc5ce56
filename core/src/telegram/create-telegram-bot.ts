import { Bot } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { ChatApi } from '../client/index.js';
import { ChatQueues } from './chat-queues.js';
import { RecentUpdateIds } from './recent-update-ids.js';
import { registerTelegramHandlers } from './register-telegram-handlers.js';
import { describeError, SILENT_LOGGER, type TelegramLogger } from './telegram-logger.js';
import { TelegramReplySender } from './telegram-reply-sender.js';
import type { TelegramToolSummary } from './telegram-texts.js';
import { TelegramTurns } from './telegram-turns.js';

/** Options for {@link createTelegramBot}. */
export interface TelegramBotOptions {
  /** Bot token from @BotFather. */
  readonly token: string;
  /** The chat service: a Twirp client (createTwirpChatClient) or an in-process implementation. */
  readonly chat: ChatApi;
  /** The enabled tools, listed by /start. Failures only drop the list from the greeting. */
  readonly listTools?: () => Promise<readonly TelegramToolSummary[]> | readonly TelegramToolSummary[];
  /** Bot API root without a trailing slash (tests point it at a fake server). */
  readonly apiRoot?: string;
  /** Known bot identity; skips getMe (useful for webhooks). */
  readonly botInfo?: UserFromGetMe;
  readonly logger?: TelegramLogger;
  /** Waits before each retry of a chat call that failed transiently (default 1 s, 2 s, 4 s). */
  readonly retryDelaysMs?: readonly number[];
  /** How often the typing indicator is re-sent while waiting (default 4 s; Telegram shows it ≤ 5 s). */
  readonly typingIntervalMs?: number;
  /** Injectable sleep (tests). */
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/** A running bot: grammY underneath, with the chat work tracked so shutdown can wait for it. */
export interface TelegramBot {
  /** The grammY bot (for advanced wiring; prefer the methods below). */
  readonly bot: Bot;
  /**
   * Fetches the bot's identity (getMe) unless it was given. Idempotent. Network failures are retried
   * with backoff until Telegram answers or `signal` fires; a refused token fails at once.
   */
  init(signal?: AbortSignal): Promise<void>;
  /** Long polling until stop() is called. Resolves when polling ends. */
  start(options?: { onStart?: (botInfo: UserFromGetMe) => void }): Promise<void>;
  /** Processes one update (webhook mode). Returns once the update is accepted, before the reply is sent. */
  handleUpdate(update: Update): Promise<void>;
  /** Resolves when every accepted message has been answered. */
  idle(): Promise<void>;
  /** Stops polling (if running) and waits for in-flight replies. */
  stop(): Promise<void>;
}

/**
 * The Telegram front-end of Acai, built on grammY. Each chat (and user, in groups) maps to the
 * session `{platform: "telegram", user_id, chat_id}`; messages go to ContinueConversation, /new
 * opens a fresh conversation with StartConversation. Replies are rendered to Telegram HTML and
 * split at 4096 characters; a typing indicator runs while waiting; transient failures of the chat
 * service are retried with backoff and then answered with a short apology. Chats are answered
 * concurrently, messages within one chat in order.
 *
 * The steps live in their own files — which updates are answered and as which session
 * (telegram-session.ts), a chat turn (telegram-turns.ts), sending (telegram-reply-sender.ts), per-chat
 * ordering (chat-queues.ts), redelivered updates (recent-update-ids.ts) and the update handlers
 * (register-telegram-handlers.ts); this factory wires them and runs the bot's life cycle.
 *
 * @example
 * const telegram = createTelegramBot({ token, chat: createTwirpChatClient({ url }) });
 * await telegram.start();
 */
export function createTelegramBot(options: TelegramBotOptions): TelegramBot {
  const logger = options.logger ?? SILENT_LOGGER;
  const sleep = options.sleep ?? ((milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds)));
  const bot = new Bot(options.token, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    ...(options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {}),
  });
  const sender = new TelegramReplySender({ logger, sleep });
  const queues = new ChatQueues((error, chatId) => logger.error({ err: describeError(error), chatId }, 'telegram reply failed'));
  const turns = new TelegramTurns({
    chat: options.chat,
    sender,
    logger,
    retryDelaysMs: options.retryDelaysMs ?? [1000, 2000, 4000],
    typingIntervalMs: options.typingIntervalMs ?? 4000,
    sleep,
  });
  registerTelegramHandlers(bot, { turns, sender, queues, listTools: options.listTools, logger });

  const recentUpdates = new RecentUpdateIds();
  let initialization: Promise<void> | undefined;
  const telegram: TelegramBot = {
    bot,
    init(signal) {
      // grammY types its own AbortSignal shim; a native signal is what it uses at runtime.
      initialization ??= bot.init(signal as Parameters<Bot['init']>[0]).catch((error: unknown) => {
        initialization = undefined;
        throw error;
      });
      return initialization;
    },
    async start(startOptions = {}) {
      await telegram.init();
      await bot.start({ ...(startOptions.onStart ? { onStart: startOptions.onStart } : {}) });
    },
    async handleUpdate(update) {
      await telegram.init();
      if (!recentUpdates.isFirstDelivery(update.update_id)) return;
      await bot.handleUpdate(update);
    },
    idle: () => queues.idle(),
    async stop() {
      if (bot.isRunning()) await bot.stop();
      await queues.idle();
    },
  };
  return telegram;
}
