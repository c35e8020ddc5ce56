import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ShutdownSteps } from './shutdown-steps.js';

function capturingLogger(lines: string[]) {
  return pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
}

describe('ShutdownSteps', () => {
  it('runs phases in shutdown order whatever order the steps were added in, and steps of a phase in insertion order', async () => {
    const ran: string[] = [];
    const shutdown = new ShutdownSteps(capturingLogger([]));
    shutdown.add('stores', () => void ran.push('key-value store'));
    shutdown.add('stores', async () => void ran.push('conversation store'));
    shutdown.add('plugins', () => void ran.push('plugins'));
    shutdown.add('server', () => void ran.push('server'));
    shutdown.add('stores', () => void ran.push('api keys'));
    shutdown.add('config-watches', () => void ran.push('watches'));
    await shutdown.run();
    expect(ran).toEqual(['watches', 'server', 'plugins', 'key-value store', 'conversation store', 'api keys']);
  });

  it('logs a failing step and still runs the rest', async () => {
    const ran: string[] = [];
    const lines: string[] = [];
    const shutdown = new ShutdownSteps(capturingLogger(lines));
    shutdown.add('server', () => {
      throw new Error('close refused');
    });
    shutdown.add('plugins', async () => {
      throw new Error('dispose timed out');
    });
    shutdown.add('stores', () => void ran.push('store'));
    await expect(shutdown.run()).resolves.toBeUndefined();
    expect(ran).toEqual(['store']);
    expect(lines.map((line) => JSON.parse(line) as { msg: string; err: { message: string } })).toMatchObject([
      { msg: 'shutdown step failed', err: { message: 'close refused' } },
      { msg: 'shutdown step failed', err: { message: 'dispose timed out' } },
    ]);
  });

  it('runs every step once, however often it is asked to', async () => {
    let closes = 0;
    const shutdown = new ShutdownSteps(capturingLogger([]));
    shutdown.add('stores', () => void (closes += 1));
    const first = shutdown.run();
    expect(shutdown.run()).toBe(first);
    await Promise.all([first, shutdown.run()]);
    await shutdown.run();
    expect(closes).toBe(1);
  });

  it('closes only what was registered when a build fails half-way', async () => {
    const ran: string[] = [];
    const shutdown = new ShutdownSteps(capturingLogger([]));
    shutdown.add('stores', () => void ran.push('key-value store'));
    await shutdown.run();
    expect(ran).toEqual(['key-value store']);
  });
});
