import type { Logger } from 'pino';

/** Writes an MCP server's own output (stderr, log notifications) to the plugin's logger, at a bounded rate. */
export interface LogThrottle {
  write(level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string): void;
  /** Reports lines dropped in the current window (on dispose). */
  flush(): void;
}

/** Options of {@link createLogThrottle}. */
export interface LogThrottleOptions {
  readonly maxLines?: number;
  readonly windowMs?: number;
  readonly now?: () => number;
}

/**
 * At most `maxLines` lines per `windowMs` (default 100 per 10 s); the rest are counted and reported in
 * one line, so a server that floods stderr cannot flood the host's logs.
 */
export function createLogThrottle(logger: Logger, options: LogThrottleOptions = {}): LogThrottle {
  const maxLines = options.maxLines ?? 100;
  const windowMs = options.windowMs ?? 10_000;
  const now = options.now ?? Date.now;
  let windowStart = now();
  let written = 0;
  let dropped = 0;
  const flush = (): void => {
    if (dropped > 0) logger.warn({ dropped }, `${dropped} lines from the MCP server were not logged (more than ${maxLines} in ${windowMs} ms)`);
    dropped = 0;
  };
  return {
    write(level, fields, message) {
      const time = now();
      if (time - windowStart >= windowMs) {
        flush();
        windowStart = time;
        written = 0;
      }
      if (written >= maxLines) {
        dropped += 1;
        return;
      }
      written += 1;
      logger[level](fields, message);
    },
    flush,
  };
}
