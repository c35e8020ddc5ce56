// Hostile and broken MCP servers next to a healthy inline plugin, through the real loader and call path:
// each case ends in a named, logged refusal or outcome, and the testbed plugin keeps answering.
import { existsSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostErrorCode } from '../../core/src/errors/index.js';
import type { McpServerEvent } from '../../core/src/plugin-host/mcp/index.js';
import { waitUntil } from '../support/timing.js';
import { isProcessAlive, scriptServerEntry, stdioServerEntry, MCP_SERVERS_DIR } from './mcp-support.js';
import { fixtureConfig, loadFixtureHost, metricValue, type FixtureHost } from './plugin-host-support.js';

const hosts: FixtureHost[] = [];
const TESTBED = { name: 'testbed', path: './testbed', mode: 'inline' };
const FAST_RESTARTS = { restartBackoff: { initialMs: 50, maxMs: 200 } };

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

async function load(plugins: Array<Record<string, unknown>>, events: Array<[string, McpServerEvent]> = [], maxMessageBytes?: number): Promise<FixtureHost> {
  const loaded = await loadFixtureHost(fixtureConfig(plugins), {
    mcp: { ...FAST_RESTARTS, ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }), onEvent: (plugin, event) => events.push([plugin, event]) },
  });
  hosts.push(loaded);
  return loaded;
}

/** The testbed plugin still answers: the rest of the host keeps serving. */
async function expectHostServing(loaded: FixtureHost): Promise<void> {
  expect(await loaded.host.callTool('testbed__echo_text', { text: 'still here', times: 1 })).toMatchObject({ outcome: 'ok', content: 'still here' });
}

function expectRefused(loaded: FixtureHost, name: string, code: HostErrorCode, message: string | RegExp): void {
  const status = loaded.host.listPlugins().find((plugin) => plugin.name === name);
  expect(status).toMatchObject({ state: 'failed', kind: 'mcp', tools: [] });
  expect(status?.error?.code).toBe(code);
  expect(status?.error?.message).toMatch(message);
  const logged = loaded.lines.find((line) => line['plugin'] === name && line['code'] === code);
  expect(logged, `a log line with ${code}`).toMatchObject({ level: 50 });
  expect(loaded.host.listModelTools().some((tool) => tool.function.name.startsWith(`${name}__`))).toBe(false);
}

describe('MCP servers that fail to start or to speak the protocol', () => {
  it('refuses a server that never answers initialize within the setup deadline', async () => {
    const loaded = await load([scriptServerEntry('silent', 'silent-server.js', { policy: { setupTimeoutMs: 400 } }), TESTBED]);
    expectRefused(loaded, 'silent', 'HOST_PLUGIN_MCP_INITIALIZE_TIMEOUT', /silent \(mcp stdio .*silent-server\.js\): the server did not answer initialize within the 400 ms setup deadline/);
    await expectHostServing(loaded);
  });

  it('refuses a server that answers with malformed JSON-RPC, quoting what was wrong', async () => {
    const loaded = await load([scriptServerEntry('garbled', 'malformed-server.js'), TESTBED]);
    expectRefused(loaded, 'garbled', 'HOST_PLUGIN_MCP_PROTOCOL_ERROR', /the server wrote a line that is not a JSON-RPC message: Unexpected token/);
    await expectHostServing(loaded);
  });

  it('refuses a command that does not exist, and one that exits before initialize, with its exit code and last stderr line', async () => {
    const loaded = await load([
      { name: 'missing', mcp: { command: 'acai-no-such-mcp-server' } },
      { name: 'quitter', mcp: { command: process.execPath, args: ['-e', 'console.error("fixture: missing API key"); process.exit(2)'] } },
      TESTBED,
    ]);
    expectRefused(loaded, 'missing', 'HOST_PLUGIN_MCP_CONNECT_FAILED', /cannot start "acai-no-such-mcp-server" \(not found on PATH or in cwd\)\. Install it or fix mcp\.command\./);
    expectRefused(loaded, 'quitter', 'HOST_PLUGIN_MCP_CONNECT_FAILED', /the server exited with code 2 \(last stderr line: fixture: missing API key\) before initialize finished/);
    await expectHostServing(loaded);
  });

  it('fails the whole load only when the refused server is required', async () => {
    await expect(loadFixtureHost(fixtureConfig([scriptServerEntry('garbled', 'malformed-server.js', { required: true }), TESTBED]))).rejects.toMatchObject({
      code: 'HOST_PLUGIN_REQUIRED_FAILED',
      message: expect.stringContaining('HOST_PLUGIN_MCP_PROTOCOL_ERROR'),
    });
  });
});

describe('MCP servers that misbehave while serving', () => {
  it('restarts a server that exits mid-call with backoff; the call and calls during the restart fail fast as unavailable', async () => {
    const events: Array<[string, McpServerEvent]> = [];
    const loaded = await load([stdioServerEntry('fragile', [], { policy: { breaker: { failureThreshold: 100 } } }), TESTBED], events);
    const crashed = await loaded.host.callTool('fragile__crash', {});
    expect(crashed).toMatchObject({ outcome: 'unavailable', error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(crashed.error?.message).toMatch(/The fragile server stopped during the call \(exited with code 3 \(last stderr line: fixture: crashing on purpose\)\); it is being restarted\./);
    await expectHostServing(loaded);
    await waitUntil(() => events.some(([, event]) => event.type === 'restarted'), 'the restart');
    expect(loaded.host.listPlugins()[0]).toMatchObject({ state: 'loaded', isRestarting: false });
    expect(await loaded.host.callTool('fragile__do_nothing', {})).toMatchObject({ outcome: 'ok', content: 'ok' });
    expect(events.map(([plugin, event]) => `${plugin}:${event.type}`)).toEqual(['fragile:exited', 'fragile:restarted']);
    expect(loaded.lines.some((line) => line['plugin'] === 'fragile' && line['msg'] === 'the MCP server stopped; restarting it')).toBe(true);
  });

  it('restarts a server that dies after every few calls again and again, backing off, and reports it while it is down', async () => {
    const events: Array<[string, McpServerEvent]> = [];
    const loaded = await load([stdioServerEntry('flaky', ['--crash-after=2'], { policy: { breaker: { failureThreshold: 100 } } }), TESTBED], events);
    const outcomes: string[] = [];
    let sawRestarting = false;
    for (let call = 0; call < 12; call += 1) {
      const result = await loaded.host.callTool('flaky__do_nothing', {});
      outcomes.push(result.outcome);
      if (loaded.host.listPlugins()[0]?.isRestarting === true) sawRestarting = true;
      if (result.outcome !== 'ok') await waitUntil(() => loaded.host.listPlugins()[0]?.isRestarting === false, 'the restart');
    }
    expect(sawRestarting).toBe(true);
    expect(outcomes.filter((outcome) => outcome === 'ok').length).toBeGreaterThanOrEqual(5);
    expect(outcomes.filter((outcome) => outcome === 'unavailable').length).toBeGreaterThanOrEqual(4);
    expect(events.filter(([, event]) => event.type === 'restarted').length).toBeGreaterThanOrEqual(4);
    await expectHostServing(loaded);
  });

  it('opens the breaker of a server that hangs in tools/call and hides its tools from the model', async () => {
    const loaded = await load([stdioServerEntry('stuck', ['--hang-calls'], { policy: { timeoutMs: 300, breaker: { failureThreshold: 2, halfOpenAfterMs: 600_000 } } }), TESTBED]);
    expect(loaded.host.listModelTools().some((tool) => tool.function.name === 'stuck__echo')).toBe(true);
    for (let call = 0; call < 2; call += 1) {
      expect(await loaded.host.callTool('stuck__echo', { text: 'x', repeat: null, tags: null })).toMatchObject({ outcome: 'timeout', error: { code: 'TIMEOUT' } });
    }
    expect(loaded.host.listPlugins()[0]?.breakerState).toBe('open');
    expect(loaded.host.listModelTools().some((tool) => tool.function.name.startsWith('stuck__'))).toBe(false);
    expect(loaded.host.listTools().find((tool) => tool.exposedName === 'stuck__echo')?.available).toBe(false);
    expect(await loaded.host.callTool('stuck__echo', { text: 'x', repeat: null, tags: null })).toMatchObject({ outcome: 'breaker_open' });
    expect(await metricValue(loaded, 'acai_plugin_breaker_state', { plugin: 'stuck' })).toBe(2);
    await expectHostServing(loaded);
  });

  it('stops and restarts a server that sends a message larger than the limit; the call fails readably', async () => {
    const events: Array<[string, McpServerEvent]> = [];
    const loaded = await load([stdioServerEntry('bloated'), TESTBED], events, 64 * 1024);
    const result = await loaded.host.callTool('bloated__big_result', { size: 500_000 });
    expect(result).toMatchObject({ outcome: 'unavailable', error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(result.error?.message).toContain('the server sent a message larger than 65536 bytes');
    await waitUntil(() => events.some(([, event]) => event.type === 'restarted'), 'the restart');
    expect(await loaded.host.callTool('bloated__big_result', { size: 1_000 })).toMatchObject({ outcome: 'ok' });
    await expectHostServing(loaded);
  });

  it('runs a (sandboxed) stdio server below the host\'s CPU priority, and leaves the host\'s own priority and autogroup alone', async () => {
    // The sandbox shares the host's session, so its autogroup is the host's: only the processes are reniced.
    const hostAutogroup = existsSync('/proc/self/autogroup') ? await readFile('/proc/self/autogroup', 'utf8') : undefined;
    const hostNiceness = getPriority(0);
    const loaded = await loadFixtureHost(fixtureConfig([stdioServerEntry('niced')]), { mcp: { niceness: 7 } });
    hosts.push(loaded);
    expect(loaded.host.listPlugins()[0]?.sandbox?.kind).toBe('bubblewrap');
    const info = JSON.parse((await loaded.host.callTool('niced__process_info', {})).content) as { pid: number; niceness: number };
    expect(info.niceness).toBe(Math.max(7, hostNiceness));
    expect(getPriority(0)).toBe(hostNiceness);
    if (hostAutogroup !== undefined) expect(await readFile('/proc/self/autogroup', 'utf8')).toBe(hostAutogroup);
  });

  it('runs an unsandboxed stdio server below the host\'s CPU priority once it answered initialize, its autogroup included, so a busy server yields to the request path', async () => {
    const loaded = await loadFixtureHost(fixtureConfig([stdioServerEntry('niced', [], { sandbox: 'none' })]), { mcp: { niceness: 7 } });
    hosts.push(loaded);
    const info = JSON.parse((await loaded.host.callTool('niced__process_info', {})).content) as { pid: number; niceness: number; startNiceness: number };
    // Never above the host's own priority (a suite run under nice keeps its servers at least as nice).
    expect(info.niceness).toBe(Math.max(7, getPriority(0)));
    // It started at the host's priority: a busy machine does not starve its initialize.
    expect(info.startNiceness).toBe(getPriority(0));
    if (process.platform === 'linux' && existsSync(`/proc/${info.pid}/autogroup`)) {
      expect(await readFile(`/proc/${info.pid}/autogroup`, 'utf8')).toMatch(/ nice 7\n?$/);
    }
  });

  it('stops an unsandboxed server\'s whole process tree when the host disposes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acai-mcp-tree-'));
    try {
      const pidFile = join(dir, 'grandchild.pid');
      const script = `${process.execPath} -e "setInterval(() => {}, 1000)" & echo $! > ${pidFile}; exec ${process.execPath} ${MCP_SERVERS_DIR}stdio-server.js`;
      // Unsandboxed: the process-group path (a sandboxed tree is plugin-sandbox-teardown.test.ts's, in host pids).
      const loaded = await loadFixtureHost(fixtureConfig([{ name: 'tree', sandbox: 'none', mcp: { command: '/bin/sh', args: ['-c', script] } }]));
      expect(loaded.host.listPlugins()[0]?.state).toBe('loaded');
      const grandchild = Number((await readFile(pidFile, 'utf8')).trim());
      expect(isProcessAlive(grandchild)).toBe(true);
      await loaded.close();
      await waitUntil(() => !isProcessAlive(grandchild), 'the grandchild to be stopped');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
