import { usageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';

export async function runToolsCommand(args: readonly string[], io: CliIo): Promise<number> {
  void io;
  throw usageError(`tools ${args[0] ?? ''} is not available yet`, 'tools');
}
