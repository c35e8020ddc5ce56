import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LogThrottle } from '../log-throttle.js';
import { forwardWorkerOutput, MAX_OUTPUT_LINE_CHARACTERS } from './forward-worker-output.js';

/** A LogThrottle that records what it was asked to write. */
function recorder(): LogThrottle & { readonly written: Array<{ level: string; fields: Record<string, unknown>; message: string }> } {
  const written: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  return { written, write: (level, fields, message) => void written.push({ level, fields, message }), flush: () => {} };
}

/** Feeds `chunks` through a stream forwarded as `stream` and waits until it ended. */
async function forward(stream: 'stdout' | 'stderr', chunks: readonly string[]) {
  const lines = recorder();
  const output = new PassThrough();
  forwardWorkerOutput(output, stream, lines);
  for (const chunk of chunks) output.write(chunk);
  output.end();
  await once(output, 'end');
  return lines.written;
}

describe('forwardWorkerOutput', () => {
  it('logs stderr lines at warn, so a host logging only warnings still shows them, and stdout lines at info', async () => {
    expect(await forward('stderr', ['something failed\n'])).toEqual([{ level: 'warn', fields: { stream: 'stderr' }, message: 'something failed' }]);
    expect(await forward('stdout', ['progress 1\n'])).toEqual([{ level: 'info', fields: { stream: 'stdout' }, message: 'progress 1' }]);
  });

  it('joins lines split across chunks, skips blank ones, and writes a last line without a newline at the end', async () => {
    const written = await forward('stderr', ['first ha', 'lf\n\n   \nsecond\nno newline']);
    expect(written.map((line) => line.message)).toEqual(['first half', 'second', 'no newline']);
  });

  it('cuts an endless line at the bound instead of holding it all, and never lets a line reach the log unframed', async () => {
    const hostile = `${'x'.repeat(MAX_OUTPUT_LINE_CHARACTERS * 3)}\n{"level":30,"msg":"forged host line"}\n`;
    const written = await forward('stderr', [hostile]);
    expect(written[0]?.message).toBe(`${'x'.repeat(MAX_OUTPUT_LINE_CHARACTERS)}…`);
    // A line that looks like a log line is only ever the message of the plugin's own line.
    expect(written[1]).toEqual({ level: 'warn', fields: { stream: 'stderr' }, message: '{"level":30,"msg":"forged host line"}' });
  });
});
