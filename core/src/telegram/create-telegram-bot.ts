import { Bot, GrammyError, type Context } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { TwirpClientError, type ChatApi, type SessionMetadata } from '../client/index.js';
import { escapeHtml, renderTelegramHtml } from './render-telegram-html.js';
import { splitTelegramMessage } from './split-telegram-message.js';

/** A tool the bot advertises in /start. */
export interface TelegramToolSummary {
  readonly name: string;
  readonly description: string;
}

/** Structured logger (pino-compatible subset). */
export interface TelegramLogger {
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

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

const SILENT_LOGGER: TelegramLogger = { info() {}, warn() {}, error() {} };

export const APOLOGY_UNAVAILABLE =
  "Sorry, I can't reach the assistant right now. Please try again in a minute.";
export const APOLOGY_GENERIC = 'Sorry, something went wrong while answering. Please try again.';
export const APOLOGY_REJECTED = "Sorry, I couldn't process that message. Try rephrasing it or send /new to start over.";

const HELP_TEXT = [
  'Send me a message and I will answer; I remember our conversation.',
  '',
  '/new — start a fresh conversation (or <code>/new your question</code>)',
  '/start — what I can do and which tools I have',
  '/help — this help',
].join('\n');

function sessionMetadata(context: Context): SessionMetadata | undefined {
  const chat = context.chat;
  if (!chat) return undefined;
  // In groups every member gets their own conversation: the user is part of the identity.
  return { platform: 'telegram', user_id: String(context.from?.id ?? chat.id), chat_id: String(chat.id) };
}

function isGroup(context: Context): boolean {
  return context.chat?.type === 'group' || context.chat?.type === 'supergroup';
}

function apologyFor(error: unknown): string {
  if (TwirpClientError.isInstance(error)) {
    if (error.isRetryable) return APOLOGY_UNAVAILABLE;
    if (error.code === 'invalid_argument' || error.code === 'out_of_range') return APOLOGY_REJECTED;
  }
  return APOLOGY_GENERIC;
}

function describeError(error: unknown): Record<string, unknown> {
  if (TwirpClientError.isInstance(error)) return { code: error.code, status: error.httpStatus, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}

/**
 * The Telegram front-end of Acai, built on grammY. Each chat (and user, in groups) maps to the
 * session `{platform: "telegram", user_id, chat_id}`; messages go to ContinueConversation, /new
 * opens a fresh conversation with StartConversation. Replies are rendered to Telegram HTML and
 * split at 4096 characters; a typing indicator runs while waiting; transient failures of the chat
 * service are retried with backoff and then answered with a short apology. Chats are answered
 * concurrently, messages within one chat in order.
 *
 * @example
 * const telegram = createTelegramBot({ token, chat: createTwirpChatClient({ url }) });
 * await telegram.start();
 */
export function createTelegramBot(options: TelegramBotOptions): TelegramBot {
  const logger = options.logger ?? SILENT_LOGGER;
  const retryDelaysMs = options.retryDelaysMs ?? [1000, 2000, 4000];
  const typingIntervalMs = options.typingIntervalMs ?? 4000;
  const sleep = options.sleep ?? ((milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds)));
  const bot = new Bot(options.token, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    ...(options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {}),
  });

  // Sessions that asked for /new: their next message starts a conversation.
  const freshSessions = new Set<string>();
  // Per-chat queues keep replies in order; different chats run concurrently.
  const chatQueues = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  const recentUpdateIds: number[] = [];
  const recentUpdateIdSet = new Set<number>();
  let initialization: Promise<void> | undefined;

  const sessionKey = (session: SessionMetadata) => `${session.chat_id}:${session.user_id}`;

  function track(chatId: string, work: () => Promise<void>): void {
    const previous = chatQueues.get(chatId) ?? Promise.resolve();
    const next = previous.then(work).catch((error: unknown) => logger.error({ err: describeError(error), chatId }, 'telegram reply failed'));
    chatQueues.set(chatId, next);
    inFlight.add(next);
    void next.finally(() => {
      inFlight.delete(next);
      if (chatQueues.get(chatId) === next) chatQueues.delete(chatId);
    });
  }

  // Telegram's flood control answers 429 with retry_after: wait that long and try again (a few times).
  async function sendWithFloodControl<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const retryAfter = error instanceof GrammyError && error.error_code === 429 ? error.parameters.retry_after : undefined;
        if (retryAfter === undefined || attempt >= 3 || retryAfter > 60) throw error;
        logger.warn({ retryAfterSeconds: retryAfter }, 'telegram flood control; waiting');
        await sleep(retryAfter * 1000);
      }
    }
  }

  async function sendHtml(context: Context, html: string): Promise<void> {
    const replyTo = isGroup(context) && context.message ? { reply_parameters: { message_id: context.message.message_id, allow_sending_without_reply: true } } : {};
    for (const part of splitTelegramMessage(html)) {
      try {
        await sendWithFloodControl(() =>
          context.reply(part, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...replyTo }),
        );
      } catch (error) {
        // Our HTML should always parse; if Telegram disagrees, send the text without formatting.
        if (error instanceof GrammyError && error.error_code === 400 && /parse entities/i.test(error.description)) {
          logger.warn({ description: error.description }, 'telegram rejected HTML; resending as plain text');
          const plain = part.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
          await sendWithFloodControl(() => context.reply(plain, replyTo));
        } else {
          throw error;
        }
      }
    }
  }

  async function withTyping<T>(context: Context, work: () => Promise<T>): Promise<T> {
    const sendTyping = () =>
      context.replyWithChatAction('typing').catch((error: unknown) => logger.warn({ err: describeError(error) }, 'sendChatAction failed'));
    void sendTyping();
    const timer = setInterval(() => void sendTyping(), typingIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  async function callWithRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const delay = retryDelaysMs[attempt];
        if (!TwirpClientError.isInstance(error) || !error.isRetryable || delay === undefined) throw error;
        logger.warn({ err: describeError(error), attempt: attempt + 1, delayMs: delay }, 'chat service unavailable; retrying');
        await sleep(delay);
      }
    }
  }

  async function answer(context: Context, session: SessionMetadata, text: string): Promise<void> {
    const key = sessionKey(session);
    const startsFresh = freshSessions.has(key);
    let reply: string | undefined;
    try {
      reply = await withTyping(context, () =>
        callWithRetry(async () =>
          startsFresh
            ? (await options.chat.startConversation({ message: text, session_metadata: session })).reply
            : (await options.chat.continueConversation({ message: text, session_metadata: session })).reply,
        ),
      );
    } catch (error) {
      logger.error({ err: describeError(error), chatId: session.chat_id }, 'chat turn failed');
      await sendWithFloodControl(() => context.reply(apologyFor(error)));
      return;
    }
    if (startsFresh) freshSessions.delete(key);
    const html = renderTelegramHtml(reply ?? '');
    await sendHtml(context, html === '' ? '<i>(no answer)</i>' : html);
  }

  // Group chats: only messages addressed to the bot (mention, reply to it); the mention is removed.
  function addressedText(context: Context): string | undefined {
    const text = context.message?.text;
    if (text === undefined) return undefined;
    if (!isGroup(context)) return text;
    const username = bot.botInfo.username;
    const mention = new RegExp(`@${username}\\b`, 'i');
    const isReplyToBot = context.message?.reply_to_message?.from?.id === bot.botInfo.id;
    if (!mention.test(text) && !isReplyToBot) return undefined;
    return text.replace(mention, '').trim();
  }

  bot.command('start', async (context) => {
    let tools: readonly TelegramToolSummary[] = [];
    try {
      tools = (await options.listTools?.()) ?? [];
    } catch (error) {
      logger.warn({ err: describeError(error) }, 'could not list tools for /start');
    }
    const name = context.from?.first_name ? `, ${escapeHtml(context.from.first_name)}` : '';
    const lines = [
      `<b>Hi${name}!</b> I'm Acai, an AI assistant. Ask me anything in plain words; I keep the context of our conversation.`,
    ];
    if (tools.length > 0) {
      lines.push('', 'I can use these tools:');
      for (const tool of tools) lines.push(`• <code>${escapeHtml(tool.name)}</code> — ${escapeHtml(tool.description)}`);
    }
    lines.push('', HELP_TEXT);
    await sendHtml(context, lines.join('\n'));
  });

  bot.command('help', (context) => sendHtml(context, HELP_TEXT));

  bot.command('new', (context) => {
    const session = sessionMetadata(context);
    if (!session) return;
    freshSessions.add(sessionKey(session));
    const text = typeof context.match === 'string' ? context.match.trim() : '';
    track(session.chat_id, () =>
      text === '' ? sendHtml(context, 'Started a fresh conversation. What would you like to talk about?') : answer(context, session, text),
    );
  });

  bot.on('message:text', (context) => {
    if (context.message.text.startsWith('/')) {
      if (!isGroup(context)) track(String(context.chat.id), () => sendHtml(context, `I don't know that command.\n\n${HELP_TEXT}`));
      return;
    }
    const text = addressedText(context);
    const session = sessionMetadata(context);
    if (text === undefined || text === '' || !session) return;
    track(session.chat_id, () => answer(context, session, text));
  });

  bot.on('message', (context) => {
    if (isGroup(context)) return;
    track(String(context.chat.id), () => sendHtml(context, 'I can only read text messages for now.'));
  });

  bot.catch((error) => {
    logger.error({ err: describeError(error.error), updateId: error.ctx.update.update_id }, 'telegram update failed');
  });

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
      // Telegram redelivers an update when an answer is slow or lost; handle each id once.
      if (recentUpdateIdSet.has(update.update_id)) return;
      recentUpdateIdSet.add(update.update_id);
      recentUpdateIds.push(update.update_id);
      if (recentUpdateIds.length > 1000) recentUpdateIdSet.delete(recentUpdateIds.shift()!);
      await bot.handleUpdate(update);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async stop() {
      if (bot.isRunning()) await bot.stop();
      await telegram.idle();
    },
  };
  return telegram;
}
