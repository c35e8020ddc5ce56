import type { HostConfig } from '../config/env-config.js';
import { assertTelegramSecretToken } from '../telegram/index.js';

/** The Telegram settings the host's webhook needs, all present. */
export interface TelegramWebhookSettings {
  readonly botToken: string;
  readonly webhookSecret: string;
  readonly apiRoot: string | undefined;
}

/**
 * The host serves the Telegram webhook when both the bot token and the webhook secret are set; this is the
 * one place that decides it, for the route and for the rate limit's exemption alike. A secret Telegram would
 * refuse is a config error (HOST_CONFIG_INVALID).
 */
export function telegramWebhookSettings(config: HostConfig): TelegramWebhookSettings | undefined {
  const { botToken, webhookSecret, apiRoot } = config.telegram;
  if (botToken === undefined || webhookSecret === undefined) return undefined;
  assertTelegramSecretToken(webhookSecret);
  return { botToken, webhookSecret, apiRoot };
}
