import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installShutdown } from '../../core/src/health/index.js';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../fakes/open-meteo/index.js';
import { WAIT_TIMEOUT_MS } from '../support/timing.js';
import { startTestHost, type RunningTestHost } from './host-support.js';
import { connectHttpClient, initializeMessage, mcpHeaders, mcpPluginsConfig, openRawSession, rawMcp, resultText } from './mcp-server-support.js';

// The bounds of /mcp on the real app (embedded store, in-memory limits): batches cost request tokens,
// sessions are capped per caller and per replica, and shutdown neither hangs on open notification
// streams nor drops a call in progress.
const KEY_A = 'acai_mcp_limits_key_a_0123456789abcdef';
const KEY_B = 'acai_mcp_limits_key_b_0123456789abcdef';
const KEY_C = 'acai_mcp_limits_key_c_0123456789abcdef';
const KEYS = [`${KEY_A}:acme:tools`, `${KEY_B}:acme:tools`, `${KEY_C}:globex:tools`].join(',');

interface TestbedState {
  running: number;
  gates: Array<() => void>;
}

let weather: FakeOpenMeteo;
let host: RunningTestHost | undefined;

beforeAll(async () => {
  weather = await startFakeOpenMeteo();
});

afterEach(async () => {
  await host?.close();
  host = undefined;
});

afterAll(async () => {
  await weather?.close();
});

function start(env: Record<string, string>): Promise<RunningTestHost> {
  return startTestHost({ ACAI_API_KEYS: KEYS, PLUGINS_WATCH: 'false', ...env }, { pluginsConfig: mcpPluginsConfig(weather) });
}

describe('/mcp limits', () => {
  it('charges every message of a batch to the request rate limit', async () => {
    host = await start({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '6' });
    const sessionId = await openRawSession(host.url, KEY_A);
    const headers = mcpHeaders(KEY_A, { 'mcp-session-id': sessionId });
    const pings = (count: number) => JSON.stringify(Array.from({ length: count }, (_, id) => ({ jsonrpc: '2.0', id, method: 'ping' })));

    const small = await rawMcp(host.url, { headers, body: pings(2) });
    expect(small.status).toBe(200);
    expect(small.body).toHaveLength(2);

    const large = await rawMcp(host.url, { headers, body: pings(10) });
    expect(large.status).toBe(429);
    expect(large.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(large.body).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringMatching(/^Too Many Requests: a batch of 10 messages costs 10 requests of the rate limit; retry in \d+ s$/) }, id: null });
  });

  it('caps sessions per caller and per replica with messages that say what to do', async () => {
    host = await start({ MCP_MAX_SESSIONS_PER_CALLER: '2', MCP_MAX_SESSIONS: '3', RATE_LIMIT_PER_MINUTE: '0' });
    const url = host.url;
    const initialize = (key: string) => rawMcp(url, { headers: mcpHeaders(key), body: JSON.stringify(initializeMessage()) });
    await openRawSession(url, KEY_A);
    await openRawSession(url, KEY_A);
    const perCaller = await initialize(KEY_A);
    expect(perCaller.status).toBe(429);
    expect(perCaller.body.error.message).toBe('Too Many Requests: this caller already has 2 MCP sessions open; end one with DELETE /mcp or let it expire (30 min idle)');

    // Another key of the same tenant is another caller.
    const third = await openRawSession(url, KEY_B);
    const full = await initialize(KEY_C);
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('60');
    expect(full.body.error.message).toBe('Service Unavailable: this host has its maximum of 3 MCP sessions open; retry later');

    const ended = await rawMcp(url, { method: 'DELETE', headers: mcpHeaders(KEY_B, { 'mcp-session-id': third }) });
    expect(ended.status).toBe(200);
    expect((await initialize(KEY_C)).status).toBe(200);
  });

  it('answers a request its client cancelled with a timeout at REQUEST_DEADLINE_MS instead of leaving the POST open', async () => {
    host = await start({ RATE_LIMIT_PER_MINUTE: '0', REQUEST_DEADLINE_MS: '1000' });
    const sessionId = await openRawSession(host.url, KEY_A);
    const headers = mcpHeaders(KEY_A, { 'mcp-session-id': sessionId });
    const testbed = (globalThis as { __acaiTestbed?: TestbedState }).__acaiTestbed!;
    const running = testbed.running;
    const call = rawMcp(host.url, { headers, body: JSON.stringify({ jsonrpc: '2.0', id: 41, method: 'tools/call', params: { name: 'testbed__wait_for_gate', arguments: {} } }) });
    while (testbed.running === running) await new Promise((resolve) => setTimeout(resolve, 10));
    const cancelled = await rawMcp(host.url, { headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 41, reason: 'user pressed stop' } }) });
    expect(cancelled.status).toBe(202);
    const answer = await call;
    expect(answer.status).toBe(504);
    expect(answer.body).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Request timed out: no answer within 1000 ms (a cancelled request is never answered)' }, id: null });
    testbed.gates.splice(0).forEach((open) => open());
    // The session is still usable.
    const list = await rawMcp(host.url, { headers, body: JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/list' }) });
    expect(list.status).toBe(200);
  });

  it('shuts down (SIGTERM path) without hanging on an open notification stream, and answers the call in progress first', async () => {
    host = await start({ RATE_LIMIT_PER_MINUTE: '0' });
    const running = host;
    const connected = await connectHttpClient(running.url, KEY_A);
    try {
      // A tools/list_changed arriving proves the client's GET stream is open.
      const changed = connected.nextListChanged();
      await running.app.pluginHost.setEnabled('holidays', false);
      await changed;

      const testbed = (globalThis as { __acaiTestbed?: TestbedState }).__acaiTestbed!;
      const call = connected.client.callTool({ name: 'testbed__wait_for_gate', arguments: {} });
      while (testbed.running === 0) await new Promise((resolve) => setTimeout(resolve, 10));

      // The production shutdown: a deadline far beyond the test's patience, so only a clean drain passes.
      const shutdown = installShutdown({
        app: running.app.server,
        onShutdown: [{ name: 'host', dispose: () => running.app.close() }],
        deadlineMs: 120_000,
        logger: running.app.logger,
        signals: [],
        exit: () => {},
      });
      const events: string[] = [];
      const closing = shutdown.shutdown('test').then((code) => events.push(`closed with ${code}`));
      const answered = call.then((result) => events.push(`answered: ${resultText(result)}`));
      // Draining: the listener is closed, the call is still running.
      while (running.app.server.server.listening) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(events).toEqual([]);
      testbed.gates.shift()!();
      await answered;

      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closing,
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`the host did not shut down within ${WAIT_TIMEOUT_MS} ms`)), WAIT_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      expect(events).toEqual(['answered: released', 'closed with 0']);
      const closedSessions = await running.app.metrics.registry.getSingleMetricAsString('acai_mcp_sessions_closed_total');
      expect(closedSessions).toMatch(/acai_mcp_sessions_closed_total\{transport="http",reason="shutdown"\} 1/);
    } finally {
      await connected.close();
    }
  });
});
