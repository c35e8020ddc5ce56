import { TwirpClientError } from '../client/index.js';

/** Structured logger (pino-compatible subset). */
export interface TelegramLogger {
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

/** The logger of a bot given none. */
export const SILENT_LOGGER: TelegramLogger = { info() {}, warn() {}, error() {} };

/** Log fields for a failure: the Twirp code and status of a chat-service error, otherwise its message. */
export function describeError(error: unknown): Record<string, unknown> {
  if (TwirpClientError.isInstance(error)) return { code: error.code, status: error.httpStatus, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}
