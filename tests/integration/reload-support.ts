// Set-up for the hot-reload suites: a temporary directory with plugins.config.json, tarballs of the
// forecast fixture releases (packed like `npm pack`), and a ReloadablePluginHost on the real loader
// with worker-mode plugins.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { MemoryKeyValueStore } from '../../core/src/cache/index.js';
import { loadPluginsConfig } from '../../core/src/config/plugins-config.js';
import { loadPluginHost } from '../../core/src/plugin-host/index.js';
import { ReloadablePluginHost, type ReloadablePluginHostOptions } from '../../core/src/plugin-host/reload/index.js';
import { createPluginRuntimeFactory, WorkerEventTracker } from '../../core/src/plugin-host/worker/index.js';
import { forSuite } from '../support/plugin-grants.js';
import { CALL_DEADLINE_MS, START_UP_DEADLINE_MS } from '../support/timing.js';
import { createCapturingLogger } from './isolation-support.js';

const run = promisify(execFile);
const HOSTILE_DIR = fileURLToPath(new URL('../fixtures/hostile-plugins/', import.meta.url));

export interface ReloadTestbed {
  readonly dir: string;
  readonly configPath: string;
  readonly host: ReloadablePluginHost;
  readonly lines: Array<Record<string, unknown>>;
  readonly registry: Registry;
  /** Crash/restart counts of the worker plugins. */
  readonly workerEvents: WorkerEventTracker;
  /** Path of the tarball of one forecast release. */
  tarball(version: ForecastRelease): string;
  /** Absolute path of a hostile-plugins fixture directory. */
  fixture(name: string): string;
  /** Rewrites plugins.config.json. */
  writeConfig(plugins: Array<Record<string, unknown>>): Promise<void>;
  close(): Promise<void>;
}

/** Packs a fixture directory the way `npm pack` lays it out (everything under package/). */
export async function pack(sourceDir: string, target: string, stagingRoot: string): Promise<void> {
  const staging = await mkdtemp(join(stagingRoot, 'pack-'));
  await cp(sourceDir, join(staging, 'package'), { recursive: true });
  await run('tar', ['-czf', target, '-C', staging, 'package']);
  await rm(staging, { recursive: true, force: true });
}

/** The packed releases of the forecast fixture: 1.2.0 is broken, 1.3.0 changes parameters without a major bump, 2.0.0 with one. */
export const FORECAST_RELEASES = ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '2.0.0'] as const;
export type ForecastRelease = (typeof FORECAST_RELEASES)[number];

export async function startReloadTestbed(
  plugins: Array<Record<string, unknown>>,
  options: Partial<Pick<ReloadablePluginHostOptions, 'autoRollback' | 'maxDrainMs' | 'schemaLedger'>> = {},
): Promise<ReloadTestbed> {
  const dir = await mkdtemp(join(tmpdir(), 'acai-reload-'));
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  for (const version of FORECAST_RELEASES) await pack(join(HOSTILE_DIR, `forecast-${version}`), join(dir, `forecast-${version}.tgz`), dir);
  const configPath = join(dir, 'plugins.config.json');
  const writeConfig = async (entries: Array<Record<string, unknown>>) => {
    const document = {
      defaults: { policy: { timeoutMs: 5_000, setupTimeoutMs: START_UP_DEADLINE_MS, breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 } } },
      plugins: entries.map((entry) => forSuite(entry, dir)),
    };
    // write-then-rename, as deploy tools do, so the watcher never reads a half-written file
    await writeFile(`${configPath}.next`, JSON.stringify(document, null, 2));
    await run('mv', [`${configPath}.next`, configPath]);
  };
  await writeConfig(plugins);
  const { logger, lines } = createCapturingLogger();
  const registry = new Registry();
  const keyValueStore = new MemoryKeyValueStore();
  const workerEvents = new WorkerEventTracker();
  // Workers at the test's priority with a hard deadline no healthy call reaches: a memory bomb niced below
  // busy processes would otherwise hit the deadline before it fills its heap (these suites are about
  // reloads and crashes, not priority).
  const runtimeFactory = createPluginRuntimeFactory({
    hardDeadlineMs: CALL_DEADLINE_MS,
    niceness: 0,
    resourceLimits: { maxOldGenerationSizeMb: 48 },
    onWorkerEvent: workerEvents.record,
  });
  const host = await ReloadablePluginHost.start({
    readConfig: () => loadPluginsConfig(configPath, {}),
    loadSet: (config) =>
      loadPluginHost({ config, configDir: config.dir, dataDir, hostVersion: '0.1.0', keyValueStore, logger, metricsRegistry: registry, runtimeFactory }),
    logger,
    metricsRegistry: registry,
    ...options,
  });
  return {
    dir,
    configPath,
    host,
    lines,
    registry,
    workerEvents,
    tarball: (version) => join(dir, `forecast-${version}.tgz`),
    fixture: (name) => join(HOSTILE_DIR, name),
    writeConfig,
    async close() {
      await host.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
