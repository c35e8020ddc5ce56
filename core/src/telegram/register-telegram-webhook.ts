import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { DEFAULT_TENANT_ID, type ChatService } from '../chat/index.js';
import { createInProcessChatApi } from '../client/index.js';
import { HostError } from '../errors/index.js';
import { createTelegramBot, type TelegramBot } from './create-telegram-bot.js';
import type { TelegramToolSummary } from './telegram-texts.js';
import { TELEGRAM_SECRET_TOKEN_PATTERN, TELEGRAM_WEBHOOK_PATH, telegramWebhook } from './telegram-webhook.js';

/** Refuses a webhook secret Telegram's setWebhook would not accept, before the host opens anything. */
export function assertTelegramSecretToken(secretToken: string): void {
  if (!TELEGRAM_SECRET_TOKEN_PATTERN.test(secretToken)) {
    throw new HostError(
      'HOST_CONFIG_INVALID',
      'TELEGRAM_WEBHOOK_SECRET must be 1–256 characters of A-Z, a-z, 0-9, _ and - (the rule of Telegram setWebhook secret_token)',
    );
  }
}

/** What {@link registerTelegramWebhook} needs from the host. */
export interface TelegramWebhookRegistration {
  readonly botToken: string;
  /** TELEGRAM_WEBHOOK_SECRET: the `secret_token` given to setWebhook. */
  readonly secretToken: string;
  /** Bot API root (TELEGRAM_API_ROOT) for a self-hosted Bot API server; Telegram's by default. */
  readonly apiRoot?: string | undefined;
  /** The host's chat use cases; the bot calls them in-process. */
  readonly chat: ChatService;
  /** The host's tool catalogue, listed by /start (tools of plugins whose breaker is open are left out). */
  readonly tools: { listTools(): readonly { readonly exposedName: string; readonly description: string; readonly available: boolean }[] };
  readonly logger: Logger;
  /** Per-turn deadline (the host's REQUEST_DEADLINE_MS). */
  readonly deadlineMs?: number;
  /** Tenant the bot's conversations belong to (default "default"). */
  readonly tenantId?: string;
}

/** The tools /start lists, from the host's catalogue. */
export function summarizeTools(tools: TelegramWebhookRegistration['tools']): TelegramToolSummary[] {
  return tools
    .listTools()
    .filter((tool) => tool.available)
    .map((tool) => ({ name: tool.exposedName, description: tool.description.split('\n')[0] ?? '' }));
}

/**
 * Serves the Telegram bot as a webhook route of the host (`POST /telegram/webhook`, secret-token
 * header checked in constant time). The bot talks to the chat use cases in-process, through the same
 * handlers and error mapping as the Twirp API, so its conversations are the host's own. Register the
 * public URL with Telegram once: `acai telegram set-webhook https://<host>`.
 */
export async function registerTelegramWebhook(server: FastifyInstance, options: TelegramWebhookRegistration): Promise<TelegramBot> {
  assertTelegramSecretToken(options.secretToken);
  const logger = options.logger.child({ component: 'telegram' });
  const bot = createTelegramBot({
    token: options.botToken,
    chat: createInProcessChatApi(options.chat, {
      tenantId: options.tenantId ?? DEFAULT_TENANT_ID,
      logger,
      ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
    }),
    listTools: () => summarizeTools(options.tools),
    ...(options.apiRoot ? { apiRoot: options.apiRoot.replace(/\/+$/, '') } : {}),
    logger,
  });
  await server.register(telegramWebhook, { bot, secretToken: options.secretToken, path: TELEGRAM_WEBHOOK_PATH });
  return bot;
}
