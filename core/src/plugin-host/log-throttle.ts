import type { Logger } from 'pino';

/** Writes a plugin's own output (an MCP server's stderr and log notifications, a worker's stdout and stderr) to its logger, at a bounded rate. */
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
  /** Who wrote the lines, for the report of dropped ones (default "the MCP server"). */
  readonly source?: string;
}

/**
 * At most `maxLines` lines per `windowMs` (default 100 per 10 s); the rest are counted and reported in
 * one line, so a plugin that floods its output cannot flood the host's logs.
 */
export function createLogThrottle(logger: Logger, options: LogThrottleOptions = {}): LogThrottle {
  const maxLines = options.maxLines ?? 100;
  const windowMs = options.windowMs ?? 10_000;
  const now = options.now ?? Date.now;
  const source = options.source ?? 'the MCP server';
  let windowStart = now();
  let written = 0;
  let dropped = 0;
  const flush = (): void => {
    if (dropped > 0) logger.warn({ dropped }, `${dropped} lines from ${source} were not logged (more than ${maxLines} in ${windowMs} ms)`);
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
