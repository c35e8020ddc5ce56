import type { EnvReader } from './env-reader.js';

const LOG_LEVEL_NAMES = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The log levels LOG_LEVEL and `--log-level` accept. */
export const LOG_LEVELS: ReadonlySet<string> = new Set(LOG_LEVEL_NAMES);

/** What the host logs. */
export interface LoggingSettings {
  readonly level: string;
  /** Whether log lines may carry conversation text (it is left out otherwise). */
  readonly logContent: boolean;
}

/** LOG_LEVEL, LOG_CONTENT. */
export function readLoggingSettings(read: EnvReader): LoggingSettings {
  return { level: read.choice('LOG_LEVEL', LOG_LEVEL_NAMES, 'info'), logContent: read.flag('LOG_CONTENT', false) };
}
