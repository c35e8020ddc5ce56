import { createFakeClock, createToolHttpClient, MemoryToolCache } from '@acai/plugin-sdk/host';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InlinePluginRuntime } from '../inline-plugin-runtime.js';
import type { PluginRuntimeOptions } from '../plugin-runtime.js';
import { createPluginRuntimeFactory } from './create-plugin-runtime-factory.js';
import { WorkerPluginRuntime } from './worker-plugin-runtime.js';

function runtimeOptions(timeouts?: PluginRuntimeOptions['timeouts']): PluginRuntimeOptions {
  return {
    entryUrl: new URL('./does-not-load.js', import.meta.url).href,
    packageDir: '/nonexistent',
    services: {
      plugin: { name: 'sample', version: '1.0.0' },
      logger: pino({ enabled: false }),
      cache: new MemoryToolCache(),
      clock: createFakeClock(),
      createHttpClient: (signal) => createToolHttpClient({ allowedHosts: [], signal }),
    },
    ...(timeouts === undefined ? {} : { timeouts }),
  };
}

describe('createPluginRuntimeFactory', () => {
  it('runs inline entries in the host and worker entries in a worker runtime', async () => {
    const factory = createPluginRuntimeFactory({ isolation: 'process' });
    expect(factory('inline', runtimeOptions())).toBeInstanceOf(InlinePluginRuntime);
    const worker = factory('worker', runtimeOptions());
    expect(worker).toBeInstanceOf(WorkerPluginRuntime);
    expect((worker as WorkerPluginRuntime).isolation).toBe('process');
    // nothing was started: a runtime only spawns its worker on load()
    await worker.dispose();
  });

  it('uses the host-wide hard deadline as a floor', () => {
    const factory = createPluginRuntimeFactory({ hardDeadlineMs: 4_000 });
    const worker = factory('worker', runtimeOptions({ callMs: 1_000, setupMs: 2_000 })) as WorkerPluginRuntime;
    expect(worker.hardDeadlines).toEqual({ callMs: 4_000, setupMs: 4_000 });
  });

  it('keeps the hard deadline above a plugin’s own longer call and setup timeouts, so the soft timeout always fires first', () => {
    const factory = createPluginRuntimeFactory({ hardDeadlineMs: 4_000 });
    const worker = factory('worker', runtimeOptions({ callMs: 30_000, setupMs: 60_000 })) as WorkerPluginRuntime;
    expect(worker.hardDeadlines).toEqual({ callMs: 31_000, setupMs: 61_000 });
  });

  it('defaults to a 15 s hard deadline', () => {
    const worker = createPluginRuntimeFactory()('worker', runtimeOptions()) as WorkerPluginRuntime;
    expect(worker.hardDeadlines).toEqual({ callMs: 15_000, setupMs: 15_000 });
  });
});
