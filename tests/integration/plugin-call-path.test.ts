import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeClock } from '@acai/plugin-sdk/host';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPluginRuntimeFactory } from '../../core/src/plugin-host/worker/index.js';
import { scaledMs, WAIT } from '../support/timing.js';
import { fixtureConfig, loadFixtureHost, metricValue, testbedState, type FixtureHost } from './plugin-host-support.js';

const hosts: FixtureHost[] = [];
let server: Server;
let serverUrl: string;
/** The traceparent header of each request the server received (undefined when absent). */
const receivedTraceparents: Array<string | undefined> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    receivedTraceparents.push(request.headers.traceparent as string | undefined);
    response.writeHead(200, { 'content-type': 'text/plain' }).end('pong');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  const state = testbedState();
  state.executions = 0;
  state.failuresLeft.clear();
  state.gates.splice(0);
  state.running = 0;
  state.abortedCalls = 0;
});

afterEach(async () => {
  for (const release of testbedState().gates.splice(0)) release();
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

async function testbed(entry: Record<string, unknown> = {}, overrides: Parameters<typeof loadFixtureHost>[1] = {}): Promise<FixtureHost> {
  const loaded = await loadFixtureHost(fixtureConfig([{ name: 'testbed', path: './testbed', mode: 'inline', ...entry }]), overrides);
  hosts.push(loaded);
  return loaded;
}


describe('tool call path', () => {
  it('runs a valid call and returns content, data and provenance', async () => {
    const loaded = await testbed();
    const result = await loaded.host.callTool('testbed__echo_text', '{"text":"ab","times":2}');
    expect(result).toMatchObject({
      exposedName: 'testbed__echo_text',
      plugin: { name: 'testbed', version: '1.4.2' },
      tool: 'echo_text',
      outcome: 'ok',
      content: 'abab',
      fullContent: 'abab',
      data: { length: 4 },
    });
    expect(result.schemaFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(await metricValue(loaded, 'acai_tool_calls_total', { plugin: 'testbed', tool: 'echo_text', outcome: 'ok' })).toBe(1);
    const histogram = await loaded.registry.getSingleMetricAsString('acai_tool_call_duration_seconds');
    expect(histogram).toContain('acai_tool_call_duration_seconds_count{plugin="testbed",tool="echo_text"} 1');
  });

  it('never executes a tool whose arguments fail to parse or validate, and lists every error for the model', async () => {
    const loaded = await testbed();
    const unparsable = await loaded.host.callTool('testbed__echo_text', '{"text": "a",');
    expect(unparsable.outcome).toBe('invalid_input');
    expect(unparsable.content).toContain('not valid JSON');
    const invalid = await loaded.host.callTool('testbed__echo_text', { text: '', times: 9, extra: true });
    expect(invalid.outcome).toBe('invalid_input');
    expect(JSON.parse(invalid.content)).toEqual({
      error: {
        code: 'INVALID_INPUT',
        message:
          'Invalid arguments for tool "echo_text": /extra: is not an allowed property (remove it); /text: must NOT have fewer than 1 characters; /times: must be <= 3. Correct the arguments and call the tool again.',
      },
    });
    expect(testbedState().executions).toBe(0);
    expect(await metricValue(loaded, 'acai_tool_argument_validation_failures_total', { plugin: 'testbed', tool: 'echo_text' })).toBe(2);
  });

  it('answers an unknown tool name with the available names', async () => {
    const loaded = await testbed({ tools: { allow: ['do_nothing', 'echo_text'] } });
    const result = await loaded.host.callTool('testbed__nope', '{}');
    expect(result.outcome).toBe('unknown_tool');
    expect(result.error?.message).toBe('There is no tool named "testbed__nope". Available tools: testbed__echo_text, testbed__do_nothing.');
  });

  it('times out a tool that never resolves and fires its abort signal', async () => {
    const loaded = await testbed({ policy: { timeoutMs: 30 } });
    const result = await loaded.host.callTool('testbed__wait_forever', '{}');
    expect(result.outcome).toBe('timeout');
    expect(result.error?.code).toBe('TIMEOUT');
    expect(result.content).toContain('did not finish within 30 ms');
    expect(testbedState().abortedCalls).toBe(1);
  });

  it('cancels a call when the caller aborts', async () => {
    const loaded = await testbed();
    const controller = new AbortController();
    const pending = loaded.host.callTool('testbed__wait_forever', '{}', { signal: controller.signal });
    controller.abort();
    const result = await pending;
    expect(result.outcome).toBe('cancelled');
    expect(result.error?.message).toBe('The tool call was cancelled.');
    expect(testbedState().abortedCalls).toBe(1);
    expect(loaded.host.listPlugins()[0]?.breakerState).toBe('closed');
  });

  describe.each(['inline', 'worker'] as const)('a call its caller stops is not the plugin failing (%s mode)', (mode) => {
    it('counts a caller abort as cancelled, not as an error, and never trips the breaker; its own timeout still does', async () => {
      const loaded = await testbed({ mode, policy: { timeoutMs: scaledMs(2_000), breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } } });
      const { host } = loaded;
      const counted = async (outcome: string) => (await metricValue(loaded, 'acai_tool_calls_total', { plugin: 'testbed', tool: 'wait_forever', outcome })) ?? 0;
      for (let round = 0; round < 3; round += 1) {
        const controller = new AbortController();
        const pending = host.callTool('testbed__wait_forever', '{}', { signal: controller.signal });
        controller.abort(new Error('the client hung up'));
        expect(await pending).toMatchObject({ outcome: 'cancelled', error: { code: 'TIMEOUT', message: 'The tool call was cancelled.' } });
      }
      // A caller whose request deadline had already passed when the call began.
      expect((await host.callTool('testbed__wait_forever', '{}', { signal: AbortSignal.abort() })).outcome).toBe('cancelled');
      expect(host.listPlugins()[0]).toMatchObject({ breakerState: 'closed', errors: 0, lastError: undefined });
      expect(await counted('cancelled')).toBe(4);
      expect(await counted('timeout')).toBe(0);

      // The plugin running past its own deadline is its failure: counted, and the breaker opens.
      const timedOut = await host.callTool('testbed__wait_forever', '{}');
      expect(timedOut).toMatchObject({ outcome: 'timeout', error: { code: 'TIMEOUT' } });
      expect(timedOut.error?.message).toContain('did not finish within');
      expect(host.listPlugins()[0]).toMatchObject({ breakerState: 'open', errors: 1, lastError: { code: 'TIMEOUT' } });
      expect(await counted('timeout')).toBe(1);
    });

    it('leaves the run of consecutive failures as it was: a cancellation between two failures does not reset it', async () => {
      const { host } = await testbed({ mode, policy: { breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 } } });
      expect((await host.callTool('testbed__fail_with', { code: 'UPSTREAM_FAILED' })).outcome).toBe('unavailable');
      const controller = new AbortController();
      const pending = host.callTool('testbed__wait_forever', '{}', { signal: controller.signal });
      controller.abort();
      expect((await pending).outcome).toBe('cancelled');
      expect(host.listPlugins()[0]?.breakerState).toBe('closed');
      expect((await host.callTool('testbed__fail_with', { code: 'UPSTREAM_FAILED' })).outcome).toBe('unavailable');
      expect(host.listPlugins()[0]).toMatchObject({ breakerState: 'open', errors: 2 });
    });
  });

  it('opens the breaker after consecutive failures, hides the tools, probes once half-open and closes on success', async () => {
    // The checks of the open breaker below must run before it turns half-open, stalls of a busy machine included.
    const loaded = await testbed({ policy: { breaker: { failureThreshold: 2, halfOpenAfterMs: scaledMs(1_000) } } });
    const { host } = loaded;
    const toolCount = host.listModelTools().length;
    expect((await host.callTool('testbed__fail_with', { code: 'UPSTREAM_UNAVAILABLE' })).outcome).toBe('unavailable');
    expect(host.listModelTools()).toHaveLength(toolCount);
    expect((await host.callTool('testbed__crash_now', {})).outcome).toBe('error');

    expect(host.listPlugins()[0]?.breakerState).toBe('open');
    expect(host.listModelTools()).toHaveLength(0);
    expect(host.listTools().every((tool) => !tool.available)).toBe(true);
    expect(await metricValue(loaded, 'acai_plugin_breaker_state', { plugin: 'testbed' })).toBe(2);
    const refused = await host.callTool('testbed__echo_text', { text: 'a', times: 1 });
    expect(refused.outcome).toBe('breaker_open');
    expect(refused.content).toContain('temporarily unavailable');
    expect(testbedState().executions).toBe(0);

    await vi.waitFor(() => expect(host.listPlugins()[0]?.breakerState).toBe('half-open'), WAIT);
    expect(host.listModelTools()).toHaveLength(toolCount);
    expect(await metricValue(loaded, 'acai_plugin_breaker_state', { plugin: 'testbed' })).toBe(1);

    // The probe fails: open again; the next probe succeeds: closed.
    expect((await host.callTool('testbed__fail_with', { code: 'TIMEOUT' })).outcome).toBe('timeout');
    expect(host.listPlugins()[0]?.breakerState).toBe('open');
    await vi.waitFor(() => expect(host.listPlugins()[0]?.breakerState).toBe('half-open'), WAIT);
    expect((await host.callTool('testbed__echo_text', { text: 'a', times: 1 })).outcome).toBe('ok');
    expect(host.listPlugins()[0]?.breakerState).toBe('closed');
    expect(await metricValue(loaded, 'acai_plugin_breaker_state', { plugin: 'testbed' })).toBe(0);
  });

  it('lets exactly one probe through while half-open', async () => {
    const loaded = await testbed({ policy: { breaker: { failureThreshold: 1, halfOpenAfterMs: 50 } } });
    const { host } = loaded;
    await host.callTool('testbed__crash_now', {});
    await vi.waitFor(() => expect(host.listPlugins()[0]?.breakerState).toBe('half-open'), WAIT);
    const probe = host.callTool('testbed__wait_for_gate', {});
    const follower = host.callTool('testbed__echo_text', { text: 'b', times: 1 });
    await vi.waitFor(() => expect(testbedState().running).toBe(1), WAIT);
    expect(testbedState().executions).toBe(0);
    testbedState().gates.shift()?.();
    expect((await probe).outcome).toBe('ok');
    expect((await follower).outcome).toBe('ok');
    expect(testbedState().executions).toBe(1);
  });

  it('does not count caller faults or validation rejections against the breaker', async () => {
    const loaded = await testbed({ policy: { breaker: { failureThreshold: 2, halfOpenAfterMs: 60000 } } });
    for (let index = 0; index < 3; index += 1) {
      expect((await loaded.host.callTool('testbed__fail_with', { code: 'INVALID_INPUT' })).outcome).toBe('invalid_input');
      expect((await loaded.host.callTool('testbed__fail_with', { code: 'NOT_FOUND' })).outcome).toBe('invalid_input');
      expect((await loaded.host.callTool('testbed__fail_with', { code: 'NOPE' })).outcome).toBe('invalid_input');
    }
    expect(loaded.host.listPlugins()[0]).toMatchObject({ breakerState: 'closed', errors: 0, calls: 9 });
  });

  it('lets an operator reset an open breaker', async () => {
    const loaded = await testbed({ policy: { breaker: { failureThreshold: 1, halfOpenAfterMs: 60000 } } });
    await loaded.host.callTool('testbed__fail_with', { code: 'UPSTREAM_FAILED' });
    expect(loaded.host.listPlugins()[0]).toMatchObject({ breakerState: 'open', errors: 1, lastError: { code: 'UPSTREAM_FAILED' } });
    expect(loaded.host.resetBreaker('testbed')).toBe(true);
    expect(loaded.host.resetBreaker('ghost')).toBe(false);
    expect(loaded.host.listModelTools().length).toBeGreaterThan(0);
    expect((await loaded.host.callTool('testbed__do_nothing', {})).outcome).toBe('ok');
  });

  it('rejects calls beyond the bulkhead (max concurrent + queue)', async () => {
    const loaded = await testbed({ policy: { maxConcurrent: 1, maxQueue: 1 } });
    const first = loaded.host.callTool('testbed__wait_for_gate', {});
    const queued = loaded.host.callTool('testbed__wait_for_gate', {});
    await vi.waitFor(() => expect(testbedState().running).toBe(1), WAIT);
    const rejected = await loaded.host.callTool('testbed__do_nothing', {});
    expect(rejected.outcome).toBe('rejected');
    expect(rejected.content).toContain('busy');
    expect(await metricValue(loaded, 'acai_plugin_bulkhead_rejections_total', { plugin: 'testbed' })).toBe(1);
    testbedState().gates.shift()?.();
    expect((await first).outcome).toBe('ok');
    await vi.waitFor(() => expect(testbedState().running).toBe(1), WAIT);
    testbedState().gates.shift()?.();
    expect((await queued).outcome).toBe('ok');
    expect(loaded.host.listPlugins()[0]?.breakerState).toBe('closed');
  });

  it('caps the output the model sees and keeps the full result for storage', async () => {
    const loaded = await testbed({ policy: { maxOutputBytes: 300 } });
    const result = await loaded.host.callTool('testbed__big_output', { bytes: 5000 });
    expect(result.outcome).toBe('ok');
    expect(Buffer.byteLength(result.content)).toBeLessThanOrEqual(300);
    expect(result.content.startsWith('BEGINxxx')).toBe(true);
    expect(result.content.endsWith('xxxEND')).toBe(true);
    expect(result.content).toContain('bytes truncated');
    expect(result.fullContent).toHaveLength(5008);
  });

  it('scrubs the plugin secret from results, data, errors and logs', async () => {
    const loaded = await testbed({ config: { apiKey: 'sk-live-4f9a2c' } });
    const success = await loaded.host.callTool('testbed__leak_secret', { fail: false });
    expect(success.content).toBe('the key is [REDACTED]');
    expect(success.fullContent).toBe('the key is [REDACTED]');
    expect(success.data).toEqual({ key: '[REDACTED]' });
    const failure = await loaded.host.callTool('testbed__leak_secret', { fail: true });
    expect(failure.error?.message).toBe('provider rejected key [REDACTED]');
    expect(failure.content).not.toContain('sk-live-4f9a2c');
    expect(JSON.stringify(loaded.host.listPlugins())).not.toContain('sk-live-4f9a2c');
    expect(JSON.stringify(loaded.lines)).not.toContain('sk-live-4f9a2c');
  });

  it('retries only idempotent tools', async () => {
    const loaded = await testbed({ policy: { retry: { maxAttempts: 2 } } });
    expect((await loaded.host.callTool('testbed__flaky_read', { key: 'read', failures: 1 })).content).toBe('succeeded for read');
    const write = await loaded.host.callTool('testbed__flaky_write', { key: 'write', failures: 1 });
    expect(write.outcome).toBe('unavailable');
    expect(write.error?.message).toBe('attempt failed (0 failures left)');
    expect((await loaded.host.callTool('testbed__flaky_read', { key: 'read-twice', failures: 2 })).outcome).toBe('unavailable');
  });

  it('gives tools the SDK context: identity, call id, injected clock, scoped logger, declared HTTP hosts', async () => {
    const clock = createFakeClock({ now: '2026-05-01T08:00:00Z', timeZone: 'Europe/Lisbon' });
    const loaded = await testbed({}, { clock });
    const result = await loaded.host.callTool('testbed__who_am_i', {}, { callId: 'call-42' });
    expect(result.content).toBe('testbed@1.4.2 call-42 2026-05-01T08:00:00.000Z Europe/Lisbon');
    expect(loaded.lines).toContainEqual(expect.objectContaining({ plugin: 'testbed', tool: 'who_am_i', callId: 'call-42', probe: true, msg: 'who_am_i called' }));
    expect((await loaded.host.callTool('testbed__fetch_url', { url: `${serverUrl}/ping` })).content).toBe('HTTP 200: pong');
    const forbidden = await loaded.host.callTool('testbed__fetch_url', { url: 'http://example.com/' });
    expect(forbidden.outcome).toBe('error');
    expect(forbidden.error?.code).toBe('FORBIDDEN');
  });
});

describe.each(['inline', 'worker'] as const)('trace context in plugin HTTP requests (%s mode)', (mode) => {
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it("sends the caller's traceparent with the plugin's requests, and none when the call has none", async () => {
    const loaded = await testbed({ mode }, { runtimeFactory: createPluginRuntimeFactory({ hardDeadlineMs: 10_000 }) });
    receivedTraceparents.splice(0);
    expect((await loaded.host.callTool('testbed__fetch_url', { url: `${serverUrl}/ping` }, { traceparent })).content).toBe('HTTP 200: pong');
    expect((await loaded.host.callTool('testbed__fetch_url', { url: `${serverUrl}/ping` })).content).toBe('HTTP 200: pong');
    expect(receivedTraceparents).toEqual([traceparent, undefined]);
  });
});
