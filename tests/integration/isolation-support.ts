// Shared set-up for the isolation and reload suites: hostile fixture plugins run in worker runtimes
// with real host-side services (memory cache, fake clock, the SDK's HTTP client on a loopback server).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeClock, createToolHttpClient, MemoryToolCache } from '@acai/plugin-sdk/host';
import type { Logger } from 'pino';
import { createCapturingLogger } from '../../core/src/plugin-host/__fixtures__/test-plugin-packages.js';
import { WorkerPluginRuntime, type WorkerHostServices, type WorkerPluginRuntimeOptions } from '../../core/src/plugin-host/worker/index.js';
import { CALL_DEADLINE_MS, START_UP_DEADLINE_MS } from '../support/timing.js';

export { createCapturingLogger };

/** Directory URL of one hostile (or healthy) fixture plugin package. */
export function fixturePackageUrl(name: string): URL {
  return new URL(`../fixtures/hostile-plugins/${name}/`, import.meta.url);
}

/** Entry URL of a fixture plugin (every fixture's `acai.entry` is ./index.js). */
export function fixtureEntryUrl(name: string): URL {
  return new URL('index.js', fixturePackageUrl(name));
}

/** Host-side services for one fixture plugin. */
export function createTestServices(name: string, logger: Logger, allowedHosts: readonly string[] = ['127.0.0.1']): WorkerHostServices {
  return {
    logger,
    cache: new MemoryToolCache(),
    clock: createFakeClock({ now: '2025-03-01T12:00:00.000Z', timeZone: 'Europe/Madrid' }),
    plugin: { name, version: '1.0.0' },
    createHttpClient: (signal) => createToolHttpClient({ allowedHosts, signal }),
  };
}

/**
 * Loads and sets up a fixture plugin in a worker runtime. Importing and setting up get the generous
 * start-up budget (a process worker boots a whole Node on a busy machine); calls get `hardDeadlineMs`,
 * by default a budget no healthy call reaches. Tests about the hard deadline pass a short one.
 *
 * Workers run at the test's own CPU priority unless `niceness` is given: the production default (10)
 * starves a worker filling its heap or building a 50 MB result next to busy processes for minutes, and
 * these suites are about containment, not priority (isolation-worker-priority.test.ts is).
 */
export async function startWorkerFixture(
  name: string,
  options: Partial<WorkerPluginRuntimeOptions> & { config?: Record<string, unknown>; logger?: Logger } = {},
): Promise<WorkerPluginRuntime> {
  const logger = options.logger ?? createCapturingLogger().logger;
  const runtime = new WorkerPluginRuntime({
    entryUrl: fixtureEntryUrl(name),
    services: options.services ?? createTestServices(name, logger),
    hardDeadlineMs: options.hardDeadlineMs ?? CALL_DEADLINE_MS,
    setupHardDeadlineMs: options.setupHardDeadlineMs ?? START_UP_DEADLINE_MS,
    niceness: options.niceness ?? 0,
    ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
    ...(options.maxResultBytes === undefined ? {} : { maxResultBytes: options.maxResultBytes }),
    ...(options.restartBackoff === undefined ? {} : { restartBackoff: options.restartBackoff }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    ...(options.isolation === undefined ? {} : { isolation: options.isolation }),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
  });
  await runtime.load();
  await runtime.setup(options.config ?? {}, AbortSignal.timeout(START_UP_DEADLINE_MS));
  return runtime;
}

let callCounter = 0;

/** Calls a tool with a fresh call id and a generous timeout signal (no timing is asserted). */
export function callTool(runtime: WorkerPluginRuntime, toolName: string, args: unknown = {}, signal: AbortSignal = AbortSignal.timeout(CALL_DEADLINE_MS)) {
  callCounter += 1;
  return runtime.execute(toolName, args, { callId: `call-${callCounter}`, signal });
}

/** A loopback HTTP server answering JSON, recording what it was sent. */
export async function startJsonServer(): Promise<{ url: string; server: Server; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ served: request.url }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
