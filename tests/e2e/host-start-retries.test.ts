// Start-up on a busy machine, on the REAL host (buildApp): a worker plugin whose first setup runs out of
// time and a stdio MCP server that does not answer its first initialize are started again by the host,
// with backoff, until they serve — no reload needed — while ListPlugins shows STARTING with the attempt
// count and the coded error, and the metrics count the attempts. A plugin that spins while imported is
// killed at its start-up deadline on every attempt; the host gives up after the last one and reports
// HOST_PLUGIN_IMPORT_TIMEOUT with a message naming the start-up deadline (never the call deadline). Worker
// plugins run in threads and in processes.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureWorkspace, type FixtureWorkspace } from '../support/fixture-workspace.js';
import { scaledMs, waitUntil } from '../support/timing.js';
import { stdioServerEntry } from '../integration/mcp-support.js';
import { bearer, scrapeMetrics, startTestHost, type RunningTestHost } from './host-support.js';
import { connectHttpClient, resultText } from './mcp-server-support.js';
import { adminJson, listedPlugin } from './plugins-workspace.js';

const ADMIN_KEY = 'acai_e2e_start_retries_ops_key_012345678';
const TOOLS_KEY = 'acai_e2e_start_retries_tool_key_01234567';
const MAX_ATTEMPTS = 4;
/**
 * The start-up deadline the slow plugins miss on purpose on their first start. A later start has to beat
 * the same deadline, so it is generous: on a loaded machine (a load average of 25, spins-at-import taking
 * a core while it imports) spawning a worker and importing the SDK alone took over 4 s.
 */
const SLOW_START_DEADLINE_MS = scaledMs(10_000);
/** spins-at-import's: its worker is killed at this + 1 s on every attempt. */
const SPIN_DEADLINE_MS = 1_000;

let workspace: FixtureWorkspace;
let markers: string;
let host: RunningTestHost;

async function listed(name: string): Promise<Record<string, any>> {
  const response = await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY));
  expect(response.status).toBe(200);
  const plugin = listedPlugin(response.body, name);
  if (plugin === undefined) throw new Error(`ListPlugins does not list ${name}`);
  return plugin;
}

/** Waits until `name` is listed in `state`; returns that listing. */
function listedWhen(name: string, state: string, what = `${name} ${state}`): Promise<Record<string, any>> {
  // Bounded by the attempts the plugin may take: each runs to its deadline at worst, then backs off.
  return waitUntil(async () => {
    const plugin = await listed(name);
    return plugin.state === state ? plugin : undefined;
  }, what, scaledMs(120_000));
}

/** Calls one tool through /mcp with a fresh client; returns its text. */
async function callOverMcp(tool: string): Promise<string> {
  const client = await connectHttpClient(host.url, TOOLS_KEY);
  try {
    return resultText(await client.client.callTool({ name: tool, arguments: {} }));
  } finally {
    await client.close();
  }
}

/** The value of one series of the start-attempts counter (0 when absent). */
function startAttempts(metrics: string, plugin: string, outcome: string): number {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`acai_plugin_start_attempts_total{plugin="${plugin}",outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe.each(['thread', 'process'] as const)('start-up retries on the real host, %s isolation', (isolation) => {
  beforeAll(async () => {
    workspace = await createFixtureWorkspace();
    markers = await mkdtemp(join(tmpdir(), 'acai-start-markers-'));
    for (const fixture of ['slow-first-start', 'spins-at-import']) await workspace.writeVariant(fixture, fixture);
    await workspace.writeConfig([
      { name: 'slow-first-start', path: './slow-first-start', mode: 'worker', sandbox: 'none', config: { markerPath: join(markers, 'worker') }, policy: { setupTimeoutMs: SLOW_START_DEADLINE_MS } },
      { name: 'spins-at-import', path: './spins-at-import', mode: 'worker', sandbox: 'none', policy: { setupTimeoutMs: SPIN_DEADLINE_MS } },
      stdioServerEntry('slow-mcp', [`--silent-first-start=${join(markers, 'mcp')}`], { sandbox: 'none', policy: { setupTimeoutMs: SLOW_START_DEADLINE_MS } }),
    ]);
    host = await startTestHost({
      PLUGINS_CONFIG: workspace.configPath,
      ACAI_API_KEYS: `${ADMIN_KEY}:ops:admin+metrics,${TOOLS_KEY}:tenant-r:tools`,
      // The tests poll ListPlugins while the plugins start.
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_BURST: '100000',
      PLUGIN_WORKER_ISOLATION: isolation,
      // The floor of the hard deadlines; each plugin's start-up one is its setupTimeoutMs + 1 s above it.
      PLUGIN_WORKER_HARD_DEADLINE_MS: '1000',
      PLUGIN_START_ATTEMPTS: String(MAX_ATTEMPTS),
      PLUGIN_START_RETRY_DELAY_MS: '100',
    });
  });

  afterAll(async () => {
    await host?.close();
    await workspace?.close();
    if (markers !== undefined) await rm(markers, { recursive: true, force: true });
  });

  it('shows a plugin between attempts as STARTING, with the count and the coded error', async () => {
    // Every attempt of spins-at-import lasts until its deadline, so it is STARTING for seconds.
    const starting = await listedWhen('spins-at-import', 'STARTING');
    expect(starting).toMatchObject({ last_error_code: 'HOST_PLUGIN_IMPORT_TIMEOUT', max_start_attempts: MAX_ATTEMPTS });
    expect(starting.start_attempts).toBeGreaterThanOrEqual(1);
    expect(String(starting.last_error)).toMatch(/trying again\)$/);
    const ready = await fetch(`${host.url}/readyz`);
    const report = (await ready.json()) as { checks: Array<{ name: string; message?: string }> };
    const plugins = report.checks.find((check) => check.name === 'plugins')?.message ?? '';
    // While it is still starting /readyz names it (a later attempt may already have failed for good).
    if ((await listed('spins-at-import')).state === 'STARTING') expect(plugins).toMatch(/starting: .*spins-at-import \(attempt \d of 4 timed out\)/);
  });

  it('starts a worker plugin whose first setup ran out of time again, by itself, and serves its tools', async () => {
    const active = await listedWhen('slow-first-start', 'ACTIVE');
    expect(await readFile(join(markers, 'worker'), 'utf8')).toBe('first start\n');
    expect(active.start_attempts).toBeGreaterThanOrEqual(2);
    expect(active.max_start_attempts).toBe(MAX_ATTEMPTS);
    expect(active.tools.map((tool: { exposed_name: string }) => tool.exposed_name)).toEqual(['slow-first-start__do_nothing']);
    expect(await callOverMcp('slow-first-start__do_nothing')).toBe('ok');
  });

  it('starts a stdio MCP server that did not answer its first initialize again, by itself, and serves its tools', async () => {
    const active = await listedWhen('slow-mcp', 'ACTIVE');
    expect(active.start_attempts).toBeGreaterThanOrEqual(2);
    expect(await callOverMcp('slow-mcp__do_nothing')).toBe('ok');
  });

  it('gives up on a plugin that spins while imported after the last attempt, naming the start-up deadline and the code', async () => {
    const failed = await listedWhen('spins-at-import', 'FAILED');
    expect(failed).toMatchObject({ last_error_code: 'HOST_PLUGIN_IMPORT_TIMEOUT', start_attempts: MAX_ATTEMPTS, max_start_attempts: MAX_ATTEMPTS });
    expect(failed.tools ?? []).toEqual([]);
    const message = String(failed.last_error);
    expect(message).toContain(`importing the plugin ran past the ${SPIN_DEADLINE_MS + 1_000} ms start-up hard deadline`);
    expect(message).toMatch(/raise policy\.setupTimeoutMs/);
    expect(message).toMatch(/\(gave up after 4 attempts\)$/);
    expect(message).not.toMatch(/call hard deadline|a call ran past/);
    expect(message).not.toMatch(/\n\s+at /);
  });

  it('counts the attempts in acai_plugin_start_attempts_total', async () => {
    await listedWhen('spins-at-import', 'FAILED');
    await listedWhen('slow-first-start', 'ACTIVE');
    await listedWhen('slow-mcp', 'ACTIVE');
    const metrics = await scrapeMetrics(host.url, ADMIN_KEY);
    expect(startAttempts(metrics, 'spins-at-import', 'timed_out')).toBe(MAX_ATTEMPTS);
    expect(startAttempts(metrics, 'spins-at-import', 'started')).toBe(0);
    for (const plugin of ['slow-first-start', 'slow-mcp']) {
      expect(startAttempts(metrics, plugin, 'started'), plugin).toBe(1);
      expect(startAttempts(metrics, plugin, 'timed_out'), plugin).toBeGreaterThanOrEqual(1);
      expect(startAttempts(metrics, plugin, 'failed'), plugin).toBe(0);
    }
  });
});
