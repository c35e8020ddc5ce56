import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// isolateLogStream replaces descriptor 1 of the whole process, so it runs in a child process of its own
// here: a small host whose stdout (a socket, as Node's `pipe` makes it) the test reads.
const MODULE = new URL('./isolate-log-stream.ts', import.meta.url).href;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const CHILD = `
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
const { isolateLogStream } = await import(${JSON.stringify(MODULE)});
const isolation = await isolateLogStream({ maxLines: 3, windowMs: 300 });
const logger = pino({ base: { service: 'acai' } }, isolation.destination);
logger.info('the host log line');
isolation.reportTo(logger.child({ component: 'stdout' }));
// A worker thread writes around every stream: two lines, an endless one, two more.
new Worker("process.getBuiltinModule('node:fs').writeSync(1, 'line 1\\\\nline 2\\\\n' + 'x'.repeat(50000) + '\\\\nline 4\\\\nline 5\\\\n')", { eval: true });
setInterval(() => {}, 1000);
`;

describe('isolateLogStream', () => {
  it('keeps descriptor 1 off the log stream: what is written there arrives as framed, bounded, throttled lines', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: Array<Record<string, unknown>> = [];
    const raw: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`the child exited with ${String(code)}: ${raw.join('\n')}`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          raw.push(line);
          lines.push(JSON.parse(line) as Record<string, unknown>);
          // The report of the dropped lines comes last, when the throttle's window ends.
          if (lines.some((entry) => entry['dropped'] !== undefined)) resolve();
        });
      });
    } finally {
      child.kill('SIGKILL');
    }
    expect(lines[0]).toMatchObject({ msg: 'the host log line', service: 'acai' });
    const framed = lines.filter((line) => line['component'] === 'stdout' && line['stream'] === 'stdout');
    expect(framed.map((line) => line['msg'])).toEqual(['line 1', 'line 2', `${'x'.repeat(2_000)}…`, '2 lines written to stdout were not logged (more than 3 in 300 ms)']);
    expect(framed.every((line) => line['level'] === 40 && line['service'] === 'acai')).toBe(true);
    expect(lines.every((line) => line['service'] === 'acai')).toBe(true);
  });
});
