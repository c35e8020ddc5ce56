import { createFakeClock, createToolHttpClient, MemoryToolCache } from '@acai/plugin-sdk/host';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { PluginRuntime, PluginRuntimeOptions, RuntimeCallContext } from '../../plugin-host/index.js';
import type { Sandbox } from '../../plugin-host/sandbox/index.js';
import type { WorkerCallObserver } from '../../plugin-host/worker/index.js';
import { createObservedRuntimeFactory } from './observed-runtime-factory.js';

/** Stands in for the sandboxed worker runtime: it answers an aborted call at once, as the real one does; the test plays the worker. */
function fakeWorker() {
  const calls: Array<{ tool: string; context: RuntimeCallContext }> = [];
  let observer: WorkerCallObserver | undefined;
  const runtime: PluginRuntime = {
    mode: 'worker',
    load: async () => ({ name: 'declared', description: '', configSchema: undefined, tools: [] }),
    setup: async () => {},
    execute: (tool, _args, context) => {
      calls.push({ tool, context });
      return new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason), { once: true }));
    },
    dispose: async () => {},
  };
  const workerFactory = (given: WorkerCallObserver) => {
    observer = given;
    return () => runtime;
  };
  return { workerFactory, calls, observer: () => observer! };
}

const sandboxed: PluginRuntimeOptions = {
  entryUrl: 'file:///nonexistent/index.js',
  packageDir: '/nonexistent',
  services: {
    plugin: { name: 'entry-name', version: '1.0.0' },
    logger: pino({ enabled: false }),
    cache: new MemoryToolCache(),
    clock: createFakeClock(),
    createHttpClient: (signal) => createToolHttpClient({ allowedHosts: [], signal }),
  },
  sandbox: { sandbox: {} as Sandbox, entryPath: '/nonexistent/plugin-worker.js' },
};

describe('createObservedRuntimeFactory with a sandboxed plugin', () => {
  it('records import and setup, and judges a call by what the worker reports, not by when its caller was answered', async () => {
    let clock = 0;
    const worker = fakeWorker();
    const { factory, observations } = createObservedRuntimeFactory(worker.workerFactory, () => clock);
    const runtime = factory('worker', sandboxed);
    await runtime.load();
    await runtime.setup({}, new AbortController().signal);
    expect([...observations.imported]).toEqual(['entry-name']);
    expect([...observations.setUp]).toEqual(['entry-name']);

    const controller = new AbortController();
    const call = runtime.execute('slow', { a: 1 }, { callId: 'c1', signal: controller.signal });
    const execution = observations.executions[0]!;
    expect(execution).toMatchObject({ plugin: 'declared', tool: 'slow', args: { a: 1 }, startedAt: 0, didReadSignal: false });
    const { context } = worker.calls[0]!;
    worker.observer().signalRead(context);
    clock = 5;
    controller.abort(new Error('cancelled'));
    await expect(call).rejects.toThrow('cancelled');
    // The caller has its answer; the tool has not stopped yet.
    expect(execution).toMatchObject({ abortedAt: 5, settledAt: undefined, didReadSignal: true });
    clock = 40;
    worker.observer().settled(context, { ok: false, error: new Error('stopped') });
    await execution.settled;
    expect(execution).toMatchObject({ settledAt: 40, error: new Error('stopped') });
    // Later reports about the same call, and reports about calls it never made, change nothing.
    clock = 90;
    worker.observer().settled(context, { ok: true, value: 'late' });
    worker.observer().settled({ callId: 'c1', signal: controller.signal }, { ok: true, value: 'forged' });
    worker.observer().signalRead({ callId: 'other', signal: controller.signal });
    expect(execution.settledAt).toBe(40);
    expect(execution.output).toBeUndefined();
    expect(observations.executions).toHaveLength(1);
  });

  it('calls onExecute as each call starts, and keeps the output the worker answered with', async () => {
    const worker = fakeWorker();
    const { factory, observations } = createObservedRuntimeFactory(worker.workerFactory);
    const started: string[] = [];
    observations.onExecute = (execution) => started.push(execution.tool);
    const runtime = factory('worker', sandboxed);
    void runtime.execute('quick', {}, { callId: 'c2', signal: new AbortController().signal }).catch(() => {});
    expect(started).toEqual(['quick']);
    worker.observer().settled(worker.calls[0]!.context, { ok: true, value: { content: 'done', data: { n: 1 } } });
    expect(observations.executions[0]).toMatchObject({ output: { content: 'done', data: { n: 1 } } });
    expect(observations.executions[0]!.settledAt).toBeGreaterThanOrEqual(observations.executions[0]!.startedAt);
  });
});
