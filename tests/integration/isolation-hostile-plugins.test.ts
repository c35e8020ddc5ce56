// The hostile-plugin suite: each misbehaving fixture runs in worker mode next to a healthy plugin, and
// for every case the healthy plugin keeps answering while and after its neighbour misbehaves.
// Nothing here asserts on timing: waits are for events (crash, restart), never for durations. Only the
// cases about the hard deadline give their worker a short one; every other worker gets the suite's call
// budget, so a slow machine cannot turn an out-of-memory or an oversized result into a TIMEOUT.
import { ToolError } from '@acai/plugin-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HostError } from '../../core/src/errors/index.js';
import { WorkerPluginRuntime, type WorkerRuntimeEvent } from '../../core/src/plugin-host/worker/index.js';
import { scaledMs, START_UP_DEADLINE_MS, WAIT } from '../support/timing.js';
import { callTool, createCapturingLogger, createTestServices, fixtureEntryUrl, startWorkerFixture } from './isolation-support.js';

/**
 * The hard deadline of the cases about it. Each waits it out, so it is short; but each also checks that a
 * neighbour answers while the hostile call is still running, so it must outlast that round trip on a
 * loaded machine (well under a second).
 */
const SHORT_DEADLINE = { hardDeadlineMs: scaledMs(3_000) };

describe.each(['thread', 'process'] as const)('hostile plugins in worker mode (%s isolation)', (isolation) => {
  let healthy: WorkerPluginRuntime;
  const started: WorkerPluginRuntime[] = [];

  async function startHostile(name: string, events: WorkerRuntimeEvent[] = [], extra: Parameters<typeof startWorkerFixture>[1] = {}) {
    const runtime = await startWorkerFixture(name, { isolation, onEvent: (event) => events.push(event), ...extra });
    started.push(runtime);
    return runtime;
  }

  async function expectHealthyServes(): Promise<void> {
    await expect(callTool(healthy, 'echo_text', { text: 'still here' })).resolves.toEqual({ content: 'echo: still here', data: { text: 'still here' } });
  }

  beforeAll(async () => {
    healthy = await startWorkerFixture('healthy', { isolation });
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((runtime) => runtime.dispose()));
  });
  afterAll(async () => {
    await healthy.dispose();
  });

  it('terminates a busy-looping call at the hard deadline, fails it as TIMEOUT, restarts the worker, and neighbours keep serving', async () => {
    const events: WorkerRuntimeEvent[] = [];
    const hostile = await startHostile('busy-loop', events, SHORT_DEADLINE);
    let isSpinSettled = false;
    const spin = callTool(hostile, 'spin_forever', {}, new AbortController().signal).finally(() => {
      isSpinSettled = true;
    });
    const spinOutcome = spin.catch((error: unknown) => error);
    // the host's event loop is free while the plugin's thread spins
    await expectHealthyServes();
    expect(isSpinSettled).toBe(false);
    const failure = await spinOutcome;
    expect(ToolError.isInstance(failure) && failure.code).toBe('TIMEOUT');
    expect(events).toContainEqual(expect.objectContaining({ type: 'crash', reason: 'hard-deadline' }));
    await hostile.whenSettled();
    expect(events).toContainEqual({ type: 'restarted', attempt: 1 });
    await expect(callTool(hostile, 'do_nothing')).resolves.toBe('ok');
    await expectHealthyServes();
  });

  it('answers the caller as soon as its signal fires, even while the plugin spins', async () => {
    const hostile = await startHostile('busy-loop', [], SHORT_DEADLINE);
    const controller = new AbortController();
    const spin = callTool(hostile, 'spin_forever', {}, controller.signal);
    await expectHealthyServes();
    controller.abort(new ToolError('TIMEOUT', 'call timed out'));
    await expect(spin).rejects.toMatchObject({ code: 'TIMEOUT', message: 'call timed out' });
    await vi.waitFor(() => expect(hostile.stats.restarts).toBe(1), WAIT);
    await expect(callTool(hostile, 'do_nothing')).resolves.toBe('ok');
  });

  it('detects a worker that runs out of memory, fails the call, restarts it, and neighbours keep serving', async () => {
    const events: WorkerRuntimeEvent[] = [];
    const hostile = await startHostile('memory-bomb', events, { resourceLimits: { maxOldGenerationSizeMb: 32 } });
    const failure = await callTool(hostile, 'allocate_forever').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'INTERNAL' });
    expect((failure as Error).message).toContain('out-of-memory');
    expect(events).toContainEqual(expect.objectContaining({ type: 'crash', reason: 'out-of-memory' }));
    await expectHealthyServes();
    await hostile.whenSettled();
    await expect(callTool(hostile, 'do_nothing')).resolves.toBe('ok');
    expect(hostile.stats).toMatchObject({ crashes: 1, restarts: 1, state: 'ready' });
  });

  // V8 answers one allocation far past the heap limit by aborting the whole process, which a worker
  // thread cannot contain (it would take the test runner down): only the process isolation is tested.
  it.runIf(isolation === 'process')('contains a single allocation far past the heap limit, restarts, and neighbours keep serving', async () => {
    const events: WorkerRuntimeEvent[] = [];
    const hostile = await startHostile('memory-bomb', events, { resourceLimits: { maxOldGenerationSizeMb: 64 } });
    const failure = await callTool(hostile, 'allocate_at_once').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'INTERNAL' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'crash', reason: 'out-of-memory' }));
    await expectHealthyServes();
    await hostile.whenSettled();
    await expect(callTool(hostile, 'do_nothing')).resolves.toBe('ok');
  });

  it('rejects load with a clear error when the plugin throws while it is imported', async () => {
    const runtime = new WorkerPluginRuntime({
      isolation,
      entryUrl: fixtureEntryUrl('throw-on-import'),
      services: createTestServices('throw-on-import', createCapturingLogger().logger),
      setupHardDeadlineMs: START_UP_DEADLINE_MS,
    });
    started.push(runtime);
    const failure = await runtime.load().catch((error: unknown) => error);
    expect(HostError.isInstance(failure) && failure.code).toBe('HOST_PLUGIN_IMPORT_FAILED');
    expect((failure as Error).message).toContain('fixture: importing this plugin fails on purpose');
    expect((failure as Error).message).toContain('throw-on-import/index.js');
    await expectHealthyServes();
  });

  it('rejects setup with a clear error when the plugin throws in setup', async () => {
    const runtime = new WorkerPluginRuntime({
      isolation,
      entryUrl: fixtureEntryUrl('throw-in-setup'),
      services: createTestServices('throw-in-setup', createCapturingLogger().logger),
      setupHardDeadlineMs: START_UP_DEADLINE_MS,
    });
    started.push(runtime);
    await runtime.load();
    const failure = await runtime.setup({}, AbortSignal.timeout(START_UP_DEADLINE_MS)).catch((error: unknown) => error);
    expect(HostError.isInstance(failure) && failure.code).toBe('HOST_PLUGIN_SETUP_FAILED');
    expect((failure as Error).message).toContain('fixture: setup fails on purpose');
    await expect(callTool(runtime, 'do_nothing')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await expectHealthyServes();
  });

  it('reports an unhandled rejection inside the worker and keeps the worker serving', async () => {
    const events: WorkerRuntimeEvent[] = [];
    const { logger, lines } = createCapturingLogger();
    const hostile = await startHostile('unhandled-rejection', events, { logger });
    await expect(callTool(hostile, 'leak_rejection')).resolves.toBe('answered anyway');
    await vi.waitFor(() => expect(events).toContainEqual({ type: 'unhandled-rejection', message: 'fixture: nobody handles this rejection' }), WAIT);
    expect(lines.some((line) => String(line.msg).includes('unhandled rejection'))).toBe(true);
    await expect(callTool(hostile, 'do_nothing')).resolves.toBe('ok');
    expect(hostile.stats).toMatchObject({ crashes: 0, unhandledRejections: 1 });
    await expectHealthyServes();
  });

  it('times a never-resolving call out through its signal, then the hard deadline recycles the worker', async () => {
    const events: WorkerRuntimeEvent[] = [];
    const hostile = await startHostile('never-resolves', events, SHORT_DEADLINE);
    const controller = new AbortController();
    const hang = callTool(hostile, 'hang_forever', {}, controller.signal);
    await expectHealthyServes();
    controller.abort(new ToolError('TIMEOUT', 'call timed out'));
    await expect(hang).rejects.toMatchObject({ code: 'TIMEOUT', message: 'call timed out' });
    await vi.waitFor(() => expect(events).toContainEqual({ type: 'restarted', attempt: 1 }), WAIT);
    expect(events).toContainEqual(expect.objectContaining({ type: 'crash', reason: 'hard-deadline' }));
    await expect(callTool(hostile, 'do_nothing')).resolves.toBe('ok');
  });

  it('refuses a 50 MB result inside the worker, and the worker keeps serving', async () => {
    const hostile = await startHostile('huge-result');
    const textFailure = await callTool(hostile, 'dump_text').catch((error: unknown) => error);
    expect(textFailure).toMatchObject({ code: 'INTERNAL', details: { resultBytes: 50 * 1024 * 1024 } });
    expect((textFailure as Error).message).toContain('over the worker limit');
    await expect(callTool(hostile, 'dump_data')).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(callTool(hostile, 'do_nothing')).resolves.toBe('ok');
    expect(hostile.stats.crashes).toBe(0);
    await expectHealthyServes();
  });

  it('keeps prototype, global and argument mutations inside the plugin worker', async () => {
    const hostile = await startHostile('mutates-shared');
    const args = { items: ['from-host'] };
    const output = await callTool(hostile, 'mutate_everything', args);
    expect(output).toEqual({ content: 'mutated', data: { items: ['from-host', 'added-by-plugin'] } });
    // the host's objects and built-ins are untouched
    expect(args).toEqual({ items: ['from-host'] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect([1].map((value) => value + 1)).toEqual([2]);
    expect(JSON.stringify({ a: 1 })).toBe('{"a":1}');
    // the polluted worker still measures and returns results correctly (it captured its built-ins first)
    await expect(callTool(hostile, 'mutate_everything', { items: [] })).resolves.toEqual({ content: 'mutated', data: { items: ['added-by-plugin'] } });
    // other plugins run in other isolates
    await expect(callTool(healthy, 'inspect_shared')).resolves.toBe(JSON.stringify({ polluted: null, mapWorks: true }));
  });

  it('terminates a plugin that ignores its abort signal at the hard deadline, and neighbours keep serving', async () => {
    const events: WorkerRuntimeEvent[] = [];
    const hostile = await startHostile('ignores-abort', events, SHORT_DEADLINE);
    const controller = new AbortController();
    const stubborn = callTool(hostile, 'keep_working', {}, controller.signal);
    await expectHealthyServes();
    controller.abort(new ToolError('TIMEOUT', 'call timed out'));
    await expect(stubborn).rejects.toMatchObject({ code: 'TIMEOUT' });
    await vi.waitFor(() => expect(events).toContainEqual({ type: 'restarted', attempt: 1 }), WAIT);
    expect(events).toContainEqual(expect.objectContaining({ type: 'crash', reason: 'hard-deadline' }));
    await expect(callTool(hostile, 'do_nothing')).resolves.toBe('ok');
    await expectHealthyServes();
  });
});
