import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs in strict mode, with every flag error turned into a one-line usage error
 * that points at the command's --help. `--help`/`-h` is added to every command.
 */
export function parseCommandArgs<const T extends Options>(
  command: string,
  args: readonly string[],
  options: T,
): {
  values: { [K in keyof T]?: T[K] extends { type: 'boolean' } ? boolean : T[K] extends { multiple: true } ? string[] : string } & {
    help?: boolean;
  };
  positionals: string[];
} {
  try {
    const parsed = parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return parsed as never;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]!.replace(/\.$/, '') : String(error);
    throw usageError(message, command);
  }
}
