/**
 * A failure the CLI reports as one line on stderr (`acai: <message>`) with a non-zero exit code.
 * Exit code 2 is for usage errors (bad flags or arguments), 1 for everything else.
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A usage error: wrong flags or arguments; the message says which `--help` to read. */
export function usageError(message: string, command: string): CliError {
  return new CliError(`${message} (see \`acai ${command} --help\`)`, { exitCode: 2 });
}
