import { ToolError } from '@acai/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WorkerPluginRuntime } from '../../core/src/plugin-host/worker/index.js';
import { START_UP_DEADLINE_MS, WAIT } from '../support/timing.js';
import { callTool, createCapturingLogger, startJsonServer, startWorkerFixture } from './isolation-support.js';

describe.each(['thread', 'process'] as const)('WorkerPluginRuntime with a well-behaved plugin (%s isolation)', (isolation) => {
  let runtime: WorkerPluginRuntime;
  let server: Awaited<ReturnType<typeof startJsonServer>>;
  const { logger, lines } = createCapturingLogger();

  beforeAll(async () => {
    server = await startJsonServer();
    runtime = await startWorkerFixture('healthy', { config: { greeting: 'hi' }, logger, isolation });
  });
  afterAll(async () => {
    await runtime.dispose();
    await server.close();
  });

  it('reports the plugin shape from inside the worker', async () => {
    const { WorkerPluginRuntime: Runtime } = await import('../../core/src/plugin-host/worker/index.js');
    const { fixtureEntryUrl, createTestServices } = await import('./isolation-support.js');
    const fresh = new Runtime({ isolation, entryUrl: fixtureEntryUrl('healthy'), services: createTestServices('healthy', logger), setupHardDeadlineMs: START_UP_DEADLINE_MS });
    const info = await fresh.load();
    await fresh.dispose();
    expect(info.name).toBe('healthy');
    expect(info.tools.map((tool) => tool.name)).toContain('echo_text');
    expect(info.tools.find((tool) => tool.name === 'echo_text')?.parameters).toMatchObject({ required: ['text'] });
  });

  it('runs a tool with the config given at setup and returns content and data', async () => {
    await expect(callTool(runtime, 'echo_text', { text: 'hello' })).resolves.toEqual({ content: 'hi: hello', data: { text: 'hello' } });
  });

  it('proxies cache, clock, logger, identity and HTTP (SDK client and global fetch) to the host', async () => {
    const output = await callTool(runtime, 'use_context', { url: `${server.url}/weather` });
    expect(output).toMatchObject({
      content: 'context used',
      data: {
        cached: { hello: 'world' },
        afterDelete: null,
        // a thread reads the host clock synchronously; a process follows the reading sent with the call
        now: isolation === 'thread' ? '2025-03-01T12:00:00.000Z' : expect.stringMatching(/^2025-03-01T12:00:0\d\.\d{3}Z$/),
        timeZone: 'Europe/Madrid',
        plugin: { name: 'healthy', version: '1.0.0' },
        clientStatus: 200,
        clientJson: { served: '/weather' },
        fetchStatus: 200,
        fetchText: JSON.stringify({ served: '/weather' }),
        forbidden: 'FORBIDDEN',
        environmentKeys: 0,
      },
    });
    expect(server.requests.splice(0)).toEqual(['GET /weather', 'GET /weather']);
    const logLine = lines.find((line) => line.msg === 'using every service');
    expect(logLine).toMatchObject({ step: 'context', level: 30 });
    expect(typeof logLine?.callId).toBe('string');
  });

  it('re-creates ToolErrors host-side with code and details, and plain errors as errors', async () => {
    const failure = await callTool(runtime, 'fail_with_tool_error').catch((error: unknown) => error);
    expect(ToolError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'UPSTREAM_FAILED', message: 'upstream said no', details: { status: 502 } });
    const plain = await callTool(runtime, 'fail_with_error').catch((error: unknown) => error);
    expect(ToolError.isInstance(plain)).toBe(false);
    expect(plain).toMatchObject({ name: 'TypeError', message: 'plain failure' });
  });

  it('fires the abort signal inside the worker when the call is cancelled', async () => {
    const controller = new AbortController();
    const call = runtime.execute('wait_for_abort', {}, { callId: `abort-me-${isolation}`, signal: controller.signal });
    // messages are ordered: once a later call answered, the worker has started the first one
    await callTool(runtime, 'do_nothing');
    controller.abort(new ToolError('TIMEOUT', 'caller gave up'));
    await expect(call).rejects.toMatchObject({ code: 'TIMEOUT', message: 'caller gave up' });
    await vi.waitFor(
      () => expect(lines.find((line) => line.msg === 'saw abort' && line.callId === `abort-me-${isolation}`)).toMatchObject({ reason: 'caller gave up' }),
      WAIT,
    );
    // the worker saw the abort and finished the call, so it is still healthy
    await expect(callTool(runtime, 'do_nothing')).resolves.toBe('ok');
    expect(runtime.stats.crashes).toBe(0);
  });

  it('rejects a call with an already aborted signal without running it', async () => {
    await expect(runtime.execute('do_nothing', {}, { callId: 'x', signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
  });

  it('serves many concurrent calls on one warm worker', async () => {
    const outputs = await Promise.all(Array.from({ length: 200 }, (_, index) => callTool(runtime, 'echo_text', { text: String(index) })));
    expect(outputs.map((output) => (output as { data: { text: string } }).data.text)).toEqual(Array.from({ length: 200 }, (_, index) => String(index)));
  });
});
