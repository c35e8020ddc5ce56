import type { HostConfig } from '../config/env-config.js';

/** The Telegram settings the host's webhook needs, all present. */
export interface TelegramWebhookSettings {
  readonly botToken: string;
  readonly webhookSecret: string;
  readonly apiRoot: string | undefined;
}

/**
 * The host serves the Telegram webhook when both the bot token and the webhook secret are set; this is the
 * one place that decides it, for the route and for the rate limit's exemption alike.
 */
export function telegramWebhookSettings(config: HostConfig): TelegramWebhookSettings | undefined {
  const { botToken, webhookSecret, apiRoot } = config.telegram;
  if (botToken === undefined || webhookSecret === undefined) return undefined;
  return { botToken, webhookSecret, apiRoot };
}
