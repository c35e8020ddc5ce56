export { checkTelegramHtml } from './check-telegram-html.js';
export type { HtmlCheck } from './check-telegram-html.js';
export { FakeTelegramServer, startFakeTelegramServer } from './fake-telegram-server.js';
export type { FakeTelegramOptions, RecordedCall, TelegramChat, TelegramEnvelope, TelegramUser } from './fake-telegram-server.js';
