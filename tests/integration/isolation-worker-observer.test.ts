// What `acai plugin test` learns from a worker it cannot look into (a sandboxed one): when a tool itself stopped,
// also after its caller was answered, and whether it read its signal. Told by the worker's own messages.
import { ToolError } from '@acai/plugin-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RuntimeCallContext } from '../../core/src/plugin-host/index.js';
import type { WorkerCallObserver, WorkerCallOutcome, WorkerPluginRuntime } from '../../core/src/plugin-host/worker/index.js';
import { WAIT } from '../support/timing.js';
import { startWorkerFixture } from './isolation-support.js';

/** An observer that keeps what it was told, per call context. */
function recordingObserver() {
  const settled = new Map<RuntimeCallContext, { outcome: WorkerCallOutcome; count: number }>();
  const signalReads = new Map<RuntimeCallContext, number>();
  const observer: WorkerCallObserver = {
    settled: (context, outcome) => settled.set(context, { outcome, count: (settled.get(context)?.count ?? 0) + 1 }),
    signalRead: (context) => signalReads.set(context, (signalReads.get(context) ?? 0) + 1),
  };
  return { observer, settled, signalReads };
}

let counter = 0;
const contextOf = (signal: AbortSignal): RuntimeCallContext => ({ callId: `observed-${(counter += 1)}`, signal });

describe.each(['thread', 'process'] as const)('a WorkerPluginRuntime with a call observer (%s isolation)', (isolation) => {
  const runtimes: WorkerPluginRuntime[] = [];
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((runtime) => runtime.dispose()));
  });

  it('is told each result as the worker answers, and no signal read by a tool that never looks', async () => {
    const { observer, settled, signalReads } = recordingObserver();
    const runtime = await startWorkerFixture('healthy', { isolation, observer, config: { greeting: 'hi' } });
    runtimes.push(runtime);
    const ok = contextOf(new AbortController().signal);
    await expect(runtime.execute('do_nothing', {}, ok)).resolves.toBe('ok');
    const failing = contextOf(new AbortController().signal);
    await expect(runtime.execute('fail_with_tool_error', {}, failing)).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect(settled.get(ok)).toEqual({ outcome: { ok: true, value: 'ok' }, count: 1 });
    expect(settled.get(failing)?.outcome).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED' } });
    expect(signalReads.size).toBe(0);
  });

  it('is told when a cancelled tool really stopped, after its caller was answered, and that it read its signal', async () => {
    const { observer, settled, signalReads } = recordingObserver();
    const runtime = await startWorkerFixture('healthy', { isolation, observer, config: { greeting: 'hi' } });
    runtimes.push(runtime);
    const controller = new AbortController();
    const context = contextOf(controller.signal);
    const call = runtime.execute('wait_for_abort', {}, context);
    await vi.waitFor(() => expect(signalReads.get(context)).toBe(1), WAIT);
    expect(settled.has(context)).toBe(false);
    controller.abort(new ToolError('TIMEOUT', 'caller gave up'));
    // The caller is answered at once, with the signal's reason; the tool's own answer comes from the worker.
    await expect(call).rejects.toMatchObject({ message: 'caller gave up' });
    await vi.waitFor(() => expect(settled.get(context)?.outcome).toMatchObject({ ok: false, error: { code: 'TIMEOUT', message: 'saw abort: caller gave up' } }), WAIT);
    expect(settled.get(context)?.count).toBe(1);
    expect(signalReads.get(context)).toBe(1);
  });

  it('is told a hung call ended when its worker is killed at the hard deadline, and never that it read its signal', async () => {
    const { observer, settled, signalReads } = recordingObserver();
    const runtime = await startWorkerFixture('never-resolves', { isolation, observer, hardDeadlineMs: 300 });
    runtimes.push(runtime);
    const controller = new AbortController();
    const context = contextOf(controller.signal);
    const call = runtime.execute('hang_forever', {}, context);
    controller.abort(new ToolError('TIMEOUT', 'caller gave up'));
    await expect(call).rejects.toMatchObject({ message: 'caller gave up' });
    await vi.waitFor(() => expect(settled.get(context)?.outcome).toMatchObject({ ok: false, error: { message: expect.stringContaining('call hard deadline') } }), WAIT);
    expect(signalReads.has(context)).toBe(false);
  });

  it('ignores forged signal reads that name no live call (malformed, unknown or oversized), and keeps serving', async () => {
    const { observer, settled, signalReads } = recordingObserver();
    const runtime = await startWorkerFixture('forges-messages', { isolation, observer });
    runtimes.push(runtime);
    for (let round = 0; round < 2; round += 1) {
      const context = contextOf(new AbortController().signal);
      // Messages are ordered: the forged ones were handled before the answer that follows them.
      await expect(runtime.execute('forge_signal_reads', {}, context)).resolves.toBe('posted 7');
      expect(settled.get(context)?.outcome).toEqual({ ok: true, value: 'posted 7' });
    }
    expect(signalReads.size).toBe(0);
  });

  it('is told a call that never reached the worker ended (its signal had fired already)', async () => {
    const { observer, settled } = recordingObserver();
    const runtime = await startWorkerFixture('healthy', { isolation, observer, config: { greeting: 'hi' } });
    runtimes.push(runtime);
    const context = contextOf(AbortSignal.abort(new ToolError('TIMEOUT', 'too late')));
    await expect(runtime.execute('do_nothing', {}, context)).rejects.toMatchObject({ message: 'too late' });
    expect(settled.get(context)).toMatchObject({ outcome: { ok: false, error: { message: 'too late' } }, count: 1 });
  });
});
