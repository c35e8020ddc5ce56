export { createTelegramBot, APOLOGY_GENERIC, APOLOGY_REJECTED, APOLOGY_UNAVAILABLE } from './create-telegram-bot.js';
export type { TelegramBot, TelegramBotOptions, TelegramLogger, TelegramToolSummary } from './create-telegram-bot.js';
export { telegramWebhook, TELEGRAM_SECRET_TOKEN_PATTERN, TELEGRAM_WEBHOOK_PATH } from './telegram-webhook.js';
export type { TelegramWebhookOptions } from './telegram-webhook.js';
export { renderTelegramHtml, escapeHtml } from './render-telegram-html.js';
export { splitTelegramMessage, TELEGRAM_MESSAGE_LIMIT } from './split-telegram-message.js';
export { registerTelegramWebhook, summarizeTools } from './register-telegram-webhook.js';
export type { TelegramWebhookRegistration } from './register-telegram-webhook.js';
