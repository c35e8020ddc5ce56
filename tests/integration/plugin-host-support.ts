// Shared set-up for the plugin host suites: load fixture plugins (tests/fixtures/plugins) through the
// real loader with a memory or Redis store, a capturing logger and a private metrics registry.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { MemoryKeyValueStore, type KeyValueStore } from '../../core/src/cache/index.js';
import { parsePluginsConfig, type PluginsConfig } from '../../core/src/config/plugins-config.js';
import { loadPluginHost, type LoadPluginHostOptions, type PluginHost } from '../../core/src/plugin-host/index.js';
import { createCapturingLogger } from '../../core/src/plugin-host/__fixtures__/test-plugin-packages.js';
import { forSuite } from '../support/plugin-grants.js';
import { START_UP_DEADLINE_MS } from '../support/timing.js';

export { createCapturingLogger };

/** Directory holding the fixture plugin packages; `path` entries are relative to it. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

/** The host version the suites pretend to be (inside every fixture's hostRange). */
export const TEST_HOST_VERSION = '0.1.0';

/** Shared state of the testbed fixture plugin (it runs inline, in this process). */
export interface TestbedState {
  executions: number;
  failuresLeft: Map<string, number>;
  gates: Array<() => void>;
  running: number;
  abortedCalls?: number;
}

export function testbedState(): TestbedState {
  const global = globalThis as { __acaiTestbed?: TestbedState };
  global.__acaiTestbed ??= { executions: 0, failuresLeft: new Map(), gates: [], running: 0 };
  return global.__acaiTestbed;
}

/**
 * Validates entries the way plugins.config.json is validated (the file sits in the fixtures directory), each
 * granted what its fixture asks for and an inline one outside the sandbox (see forSuite). Setup gets the
 * suite's start-up budget unless `defaults` or an entry sets its own: a fixture MCP server or worker starting
 * next to busy processes can take longer than the production default.
 */
export function fixtureConfig(entries: Array<Record<string, unknown>>, env: Record<string, string> = {}, defaults: Record<string, unknown> = {}): PluginsConfig {
  const plugins = entries.map((entry) => forSuite(entry, FIXTURES_DIR));
  const policy = { setupTimeoutMs: START_UP_DEADLINE_MS, ...(defaults['policy'] as Record<string, unknown> | undefined) };
  return parsePluginsConfig({ defaults: { ...defaults, policy }, plugins }, { path: join(FIXTURES_DIR, 'plugins.config.json'), env });
}

export interface FixtureHost {
  readonly host: PluginHost;
  readonly lines: Array<Record<string, unknown>>;
  readonly registry: Registry;
  readonly store: KeyValueStore;
  close(): Promise<void>;
}

/** Loads fixture plugins through loadPluginHost; `close` disposes the host and removes the data dir. */
export async function loadFixtureHost(
  config: PluginsConfig,
  overrides: Partial<Omit<LoadPluginHostOptions, 'config'>> = {},
): Promise<FixtureHost> {
  const dataDir = await mkdtemp(join(tmpdir(), 'acai-plugin-host-'));
  const { logger, lines } = createCapturingLogger();
  const registry = new Registry();
  const store = overrides.keyValueStore ?? new MemoryKeyValueStore();
  try {
    const host = await loadPluginHost({
      config,
      configDir: FIXTURES_DIR,
      dataDir,
      hostVersion: TEST_HOST_VERSION,
      keyValueStore: store,
      logger,
      metricsRegistry: registry,
      ...overrides,
    });
    return {
      host,
      lines,
      registry,
      store,
      async close() {
        await host.dispose();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The value of one labelled series of a metric in the host's registry (undefined when absent). */
export async function metricValue(host: Pick<FixtureHost, 'registry'>, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = host.registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label))?.value;
}
