import type { Logger } from 'pino';
import { createLogger } from '../observability/index.js';
import type { CliIo } from './cli-io.js';

/**
 * The logger for host parts the CLI runs in-process (plugin loads, tool calls): JSON lines on stderr,
 * so stdout keeps only the command's own output. Silent unless the user asks with --log-level.
 */
export function createCliLogger(io: CliIo, level: string | undefined): Logger {
  return createLogger({
    level: level ?? 'silent',
    logContent: false,
    destination: { write: (line: string) => void io.stderr.write(line) },
    base: { service: 'acai-cli' },
  });
}
