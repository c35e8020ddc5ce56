import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Update } from 'grammy/types';
import { HostError, invalidArgument, toTwirpError, TwirpError } from '../errors/index.js';
import { sendTwirpError } from '../rpc/index.js';
import type { TelegramBot } from './create-telegram-bot.js';

/** Telegram's rule for `secret_token` in setWebhook. */
export const TELEGRAM_SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';

/** Options for {@link telegramWebhook}. */
export interface TelegramWebhookOptions {
  readonly bot: TelegramBot;
  /** The `secret_token` given to setWebhook; every delivery must carry it in X-Telegram-Bot-Api-Secret-Token. */
  readonly secretToken: string;
  /** Route path (default `/telegram/webhook`). */
  readonly path?: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

// Refusals in the host's error shape (Telegram only reads the status; people debugging a webhook read the code).
const WRONG_SECRET = toTwirpError(new HostError('HOST_UNAUTHENTICATED', 'the X-Telegram-Bot-Api-Secret-Token header is missing or wrong'));
const NOT_AN_UPDATE = toTwirpError(invalidArgument('body', 'the body is not a Telegram update'));
// 503 makes Telegram deliver the update again.
const NOT_NOW = new TwirpError('unavailable', 'the update cannot be handled right now; Telegram delivers it again');

/**
 * Fastify plugin: `POST /telegram/webhook` receives Telegram updates. The secret-token header is
 * compared in constant time (401 when missing or wrong); a valid update is acknowledged with 200
 * as soon as the bot has accepted it, and answered in the background, so Telegram never retries
 * a slow model turn. Pending replies are awaited when the server closes.
 *
 * @example
 * app.register(telegramWebhook, { bot: createTelegramBot({ token, chat }), secretToken });
 */
export const telegramWebhook: FastifyPluginAsync<TelegramWebhookOptions> = async (app, options) => {
  if (!TELEGRAM_SECRET_TOKEN_PATTERN.test(options.secretToken)) {
    throw new Error('telegram webhook secret token must be 1–256 characters of A-Z, a-z, 0-9, _ and - (Telegram setWebhook rule)');
  }
  const expected = digest(options.secretToken);

  app.addHook('onClose', async () => {
    await options.bot.idle();
  });

  app.post(options.path ?? TELEGRAM_WEBHOOK_PATH, async (request, reply) => {
    const header = request.headers['x-telegram-bot-api-secret-token'];
    const presented = typeof header === 'string' ? header : '';
    // Hash both sides so the comparison takes the same time whatever the lengths.
    if (!timingSafeEqual(digest(presented), expected) || presented === '') {
      return sendTwirpError(reply, WRONG_SECRET);
    }
    const update = request.body as Partial<Update> | undefined;
    if (typeof update !== 'object' || update === null || !Number.isSafeInteger(update.update_id)) {
      return sendTwirpError(reply, NOT_AN_UPDATE);
    }
    try {
      await options.bot.handleUpdate(update as Update);
    } catch (error) {
      // Most likely getMe failed (Telegram unreachable).
      request.log.error({ err: error }, 'telegram update could not be handled');
      return sendTwirpError(reply, NOT_NOW);
    }
    return reply.code(200).send({});
  });
};
