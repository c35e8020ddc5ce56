// Worker plugins run below the host's CPU priority, so a plugin that spins yields the CPU to the
// host's request path. Thread workers are reniced on Linux only (where a thread's niceness is its own);
// the suite runs on Linux, as CI does.
import { getPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerIsolation } from '../../core/src/config/isolation-modes.js';
import { WorkerPluginRuntime } from '../../core/src/plugin-host/worker/index.js';
import { CALL_DEADLINE_MS, START_UP_DEADLINE_MS } from '../support/timing.js';
import { callTool, createCapturingLogger, createTestServices, fixtureEntryUrl } from './isolation-support.js';
import { fixtureConfig, loadFixtureHost, type FixtureHost } from './plugin-host-support.js';

const started: WorkerPluginRuntime[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((runtime) => runtime.dispose()));
});

async function start(isolation: WorkerIsolation, niceness?: number): Promise<WorkerPluginRuntime> {
  const runtime = new WorkerPluginRuntime({
    isolation,
    entryUrl: fixtureEntryUrl('reports-priority'),
    services: createTestServices('reports-priority', createCapturingLogger().logger),
    // A worker at niceness 19 next to busy processes gets a sliver of the CPU: start-up and calls get
    // budgets no healthy run reaches.
    hardDeadlineMs: CALL_DEADLINE_MS,
    setupHardDeadlineMs: START_UP_DEADLINE_MS,
    ...(niceness === undefined ? {} : { niceness }),
  });
  started.push(runtime);
  await runtime.load();
  await runtime.setup({}, AbortSignal.timeout(START_UP_DEADLINE_MS));
  return runtime;
}

interface ReportedPriority {
  readonly niceness: number;
  readonly atImport: number;
  readonly atSetup: number;
}

async function reportedPriority(runtime: WorkerPluginRuntime): Promise<ReportedPriority> {
  return ((await callTool(runtime, 'report_priority')) as { data: ReportedPriority }).data;
}

async function workerNiceness(runtime: WorkerPluginRuntime): Promise<number> {
  return (await reportedPriority(runtime)).niceness;
}

describe.runIf(process.platform === 'linux').each(['thread', 'process'] as const)('worker CPU priority (%s isolation)', (isolation) => {
  const hostNiceness = getPriority(0);

  it('runs plugin code at niceness 10 by default and leaves the host’s own priority alone', async () => {
    const runtime = await start(isolation);
    expect(await workerNiceness(runtime)).toBe(Math.max(hostNiceness, 10));
    expect(getPriority(0)).toBe(hostNiceness);
  });

  it('imports and sets the plugin up at the host’s priority, so a busy machine does not starve its start', async () => {
    const runtime = await start(isolation, 19);
    expect(await reportedPriority(runtime)).toEqual({ niceness: 19, atImport: hostNiceness, atSetup: hostNiceness });
  });

  it('takes the configured niceness, and 0 keeps the host’s priority', async () => {
    expect(await workerNiceness(await start(isolation, 19))).toBe(19);
    expect(await workerNiceness(await start(isolation, 0))).toBe(hostNiceness);
    expect(getPriority(0)).toBe(hostNiceness);
  });

  it('keeps the niceness across a restart after a crash', async () => {
    const runtime = await start(isolation, 15);
    await expect(callTool(runtime, 'exit_worker')).rejects.toMatchObject({ code: 'INTERNAL' });
    await runtime.whenSettled();
    expect(runtime.stats).toMatchObject({ crashes: 1, restarts: 1, state: 'ready' });
    expect(await workerNiceness(runtime)).toBe(Math.max(hostNiceness, 15));
  });
});

// A third-party plugin runs in the sandbox by default: the same promise holds there (bwrap is started at the
// host's priority and the worker lowers itself once set up).
describe.runIf(process.platform === 'linux')('sandboxed worker CPU priority', () => {
  const hosts: FixtureHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
  });

  it('imports and sets up at the host’s priority, then runs plugin code at niceness 10', async () => {
    const hostNiceness = getPriority(0);
    const host = await loadFixtureHost(fixtureConfig([{ name: 'reports-priority', path: fileURLToPath(new URL('../fixtures/hostile-plugins/reports-priority', import.meta.url)) }]));
    hosts.push(host);
    expect(host.host.listPlugins()[0]?.sandbox?.kind).toBe('bubblewrap');
    const tool = host.host.listPlugins()[0]?.tools.find((name) => name.endsWith('report_priority'));
    const result = await host.host.callTool(tool ?? 'report_priority', {});
    expect(result.outcome).toBe('ok');
    expect(result.data).toEqual({ niceness: Math.max(hostNiceness, 10), atImport: hostNiceness, atSetup: hostNiceness });
    expect(getPriority(0)).toBe(hostNiceness);
  });
});
