import { usageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';

export async function runTelegramCommand(args: readonly string[], io: CliIo): Promise<number> {
  void io;
  void args;
  throw usageError('telegram is not available yet', 'telegram');
}
