/**
 * A failure the CLI reports as one line on stderr (`acai: <message>`) with a non-zero exit code.
 * Exit code 2 is for usage errors (bad flags or arguments), 1 for everything else.
 */
const BRAND = Symbol.for('acai.core.CliError');

export class CliError extends Error {
  readonly exitCode: number;
  readonly [BRAND] = true;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
  }

  // Tests load the CLI from source and from the build; the brand works across both copies.
  static isInstance(value: unknown): value is CliError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** A usage error: wrong flags or arguments; the message says which `--help` to read. */
export function usageError(message: string, command: string): CliError {
  return new CliError(`${message} (see \`acai ${command} --help\`)`, { exitCode: 2 });
}
