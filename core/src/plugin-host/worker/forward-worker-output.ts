import type { Readable } from 'node:stream';
import type { LogThrottle } from '../log-throttle.js';

/** Longer lines are cut: a plugin must not fill the host's logs with one line. */
export const MAX_OUTPUT_LINE_CHARACTERS = 2_000;

/**
 * The level of a printed line. stderr (`console.error`, `console.warn`, `process.stderr.write`, Node's own
 * warnings) is where an author prints what went wrong or what they are debugging, so it stays visible when
 * the host logs only warnings (`acai mcp --log-level warn`, `LOG_LEVEL=warn`); stdout (`console.log`,
 * `console.info`) is ordinary output at `info`. The throttle bounds either, so `warn` gives a plugin no
 * way to flood the host's logs.
 */
export const WORKER_OUTPUT_LEVEL = { stdout: 'info', stderr: 'warn' } as const;

/**
 * Turns what a worker plugin prints (its `process.stdout`/`process.stderr`, `console.log`) into log lines
 * of the plugin's logger, `{ stream }` bound, at the stream's {@link WORKER_OUTPUT_LEVEL} and throttled: the
 * host's stdout is its JSON log stream, and a plugin's text must never reach it unframed, where it could
 * pass for a log line of the host.
 */
export function forwardWorkerOutput(output: Readable, stream: 'stdout' | 'stderr', lines: LogThrottle): void {
  output.setEncoding('utf8');
  const level = WORKER_OUTPUT_LEVEL[stream];
  let partial = '';
  const write = (line: string): void => {
    if (line.trim() !== '') lines.write(level, { stream }, line.length > MAX_OUTPUT_LINE_CHARACTERS ? `${line.slice(0, MAX_OUTPUT_LINE_CHARACTERS)}…` : line);
  };
  output.on('data', (chunk: string) => {
    const pieces = (partial + chunk).split('\n');
    // An endless line is cut where it reaches the bound, not kept growing.
    partial = (pieces.pop() ?? '').slice(0, MAX_OUTPUT_LINE_CHARACTERS + 1);
    for (const piece of pieces) write(piece);
  });
  output.on('end', () => {
    write(partial);
    partial = '';
  });
}
