import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createStyle, type CliIo } from './cli-io.js';
import { withSpinner } from './spinner.js';

function io(isTTY: boolean, env: Record<string, string> = {}): CliIo & { written: string[] } {
  const written: string[] = [];
  return { written, stdout: { isTTY, write: (text: string) => written.push(text) }, stderr: { write: () => true }, stdin: Readable.from([]), env, cwd: '/' };
}

describe('createStyle', () => {
  it('colours only on a terminal, and never with NO_COLOR or TERM=dumb', () => {
    expect(createStyle(io(true)).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(createStyle(io(false)).red('x')).toBe('x');
    expect(createStyle(io(true, { NO_COLOR: '1' })).bold('x')).toBe('x');
    expect(createStyle(io(true, { TERM: 'dumb' })).green('x')).toBe('x');
  });
});

describe('withSpinner', () => {
  it('writes nothing at all when the output is not a terminal', async () => {
    const target = io(false);
    expect(await withSpinner(target.stdout, createStyle(target), 'thinking…', async () => 42)).toBe(42);
    expect(target.written).toEqual([]);
  });

  it('draws on a terminal and clears its line when the work ends, even when it fails', async () => {
    const target = io(true);
    await expect(withSpinner(target.stdout, createStyle(target), 'thinking…', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(target.written[0]).toContain('thinking…');
    expect(target.written.at(-1)).toBe('\r\u001b[2K');
  });
});
