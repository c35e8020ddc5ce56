import type { Readable } from 'node:stream';

/** A stream the CLI writes to (process.stdout / stderr, or a buffer in tests). */
export interface OutputStream {
  write(text: string): unknown;
  /** True when a person is watching: enables the spinner and (unless NO_COLOR) colours. */
  readonly isTTY?: boolean;
}

/** Everything the CLI touches outside itself, so commands can run in-process in tests. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: Readable & { isTTY?: boolean };
  /** The environment (the CLI entry is allowed to read it; commands only see this copy). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /**
   * Ends long-running commands (`acai telegram`) cleanly. Without it they stop on SIGINT/SIGTERM;
   * tests pass their own so no signal handler is installed in the test process.
   */
  readonly shutdownSignal?: AbortSignal;
}

/** io.shutdownSignal, or one that fires on the first SIGINT or SIGTERM. */
export function shutdownSignalOf(io: CliIo): AbortSignal {
  if (io.shutdownSignal) return io.shutdownSignal;
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    controller.abort(new Error(`received ${signal}`));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}

/** Minimal ANSI styling that turns itself off for pipes and NO_COLOR. */
export interface Style {
  readonly isEnabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
}

export function createStyle(io: CliIo): Style {
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  const isEnabled = io.stdout.isTTY === true && !noColor && io.env.TERM !== 'dumb';
  const wrap = (open: number, close: number) => (text: string) =>
    isEnabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    isEnabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    cyan: wrap(36, 39),
  };
}
