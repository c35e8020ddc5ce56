import type { EnvReader } from './env-reader.js';

/** Webhook mode when both the token and the secret are set; apiRoot points at a self-hosted Bot API server. */
export interface TelegramSettings {
  readonly botToken: string | undefined;
  readonly webhookSecret: string | undefined;
  readonly apiRoot: string | undefined;
}

/** TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, TELEGRAM_API_ROOT. */
export function readTelegramSettings(read: EnvReader): TelegramSettings {
  return { botToken: read.text('TELEGRAM_BOT_TOKEN'), webhookSecret: read.text('TELEGRAM_WEBHOOK_SECRET'), apiRoot: read.url('TELEGRAM_API_ROOT', ['http:', 'https:']) };
}
