import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogThrottle } from './log-throttle.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('createLogThrottle', () => {
  it('writes up to the limit per window, then counts what it drops and reports it once per window', async () => {
    const { logger, lines } = capture();
    let now = 0;
    const throttle = createLogThrottle(logger, { maxLines: 3, windowMs: 1_000, now: () => now });
    for (let index = 0; index < 10; index += 1) throttle.write('info', { stream: 'stderr' }, `line ${index}`);
    now = 1_000;
    throttle.write('warn', { stream: 'stderr' }, 'next window');
    throttle.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line['msg'])).toEqual([
      'line 0',
      'line 1',
      'line 2',
      '7 lines from the MCP server were not logged (more than 3 in 1000 ms)',
      'next window',
    ]);
    expect(lines[0]).toMatchObject({ level: 30, stream: 'stderr' });
    expect(lines[3]).toMatchObject({ level: 40, dropped: 7 });
  });
});
