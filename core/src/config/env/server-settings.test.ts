import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import { DEFAULT_ACCEPT_SLOTS, DEFAULT_HEAP_GROWTH_PERCENT, readServerSettings } from './server-settings.js';

describe('readServerSettings', () => {
  it('listens on loopback port 8080 with a 1 MiB body limit and a 45 s deadline by default', () => {
    const read = new EnvReader({}, '/srv');
    expect(readServerSettings(read)).toEqual({ port: 8080, host: '127.0.0.1', maxBodyBytes: 1024 * 1024, requestDeadlineMs: 45_000, shutdownDeadlineMs: 20_000, metricsPort: 0, acceptSlots: DEFAULT_ACCEPT_SLOTS, heapGrowthPercent: DEFAULT_HEAP_GROWTH_PERCENT });
    expect(read.problems).toEqual([]);
  });

  it('reads every variable, including port 0 (any free port)', () => {
    const read = new EnvReader({ PORT: '0', HOST: '0.0.0.0', MAX_BODY_BYTES: '2048', REQUEST_DEADLINE_MS: '1000', SHUTDOWN_DEADLINE_MS: '0', METRICS_PORT: '9464', HTTP_ACCEPT_SLOTS: '64', HEAP_GROWTH_PERCENT: '0' }, '/srv');
    expect(readServerSettings(read)).toEqual({ port: 0, host: '0.0.0.0', maxBodyBytes: 2048, requestDeadlineMs: 1000, shutdownDeadlineMs: 0, metricsPort: 9464, acceptSlots: 64, heapGrowthPercent: 0 });
  });

  it('reports every out-of-range value, naming the variable', () => {
    const read = new EnvReader({ PORT: '65536', MAX_BODY_BYTES: '1', REQUEST_DEADLINE_MS: '999', SHUTDOWN_DEADLINE_MS: 'soon', METRICS_PORT: '-1', HTTP_ACCEPT_SLOTS: '0', HEAP_GROWTH_PERCENT: '301' }, '/srv');
    readServerSettings(read);
    expect(read.problems.map((problem) => problem.split(':')[0])).toEqual(['PORT', 'MAX_BODY_BYTES', 'REQUEST_DEADLINE_MS', 'SHUTDOWN_DEADLINE_MS', 'METRICS_PORT', 'HTTP_ACCEPT_SLOTS', 'HEAP_GROWTH_PERCENT']);
  });
});
