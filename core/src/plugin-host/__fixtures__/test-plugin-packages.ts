// Test plugins for the plugin host's unit tests: definitions written with the SDK inside a test, loaded
// through the real loader. Each becomes a plugin package in a temporary folder (a package.json the test
// may bend, and an entry module that hands over the test's definition), so every named check, the real
// registry, call policy and inline runtime run on it. Only for tests: excluded from the build.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SDK_API_VERSION, SDK_VERSION } from '@acai/plugin-sdk';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { MemoryKeyValueStore } from '../../cache/index.js';
import { parsePluginsConfig } from '../../config/plugins-config.js';
import { loadPluginHost, type LoadPluginHostOptions, type PluginHost } from '../load-plugin-host.js';

/** The host version the tests pretend to be; the default hostRange admits it. */
export const TEST_HOST_VERSION = '0.1.0';

// The entry modules read the definitions from here: they run in this process (inline), never in a worker.
const DEFINITIONS_KEY = Symbol.for('acai.test-plugin-definitions');
const definitions = ((globalThis as Record<symbol, Map<string, unknown> | undefined>)[DEFINITIONS_KEY] ??= new Map<string, unknown>());

/** One plugin package: its definition and how its package.json differs from a valid one. */
export interface TestPluginPackage {
  /** What the entry exports as default (normally `definePlugin({...})`; anything, to test the import checks). */
  readonly definition?: unknown;
  /** The entry module's text instead of handing over `definition` (e.g. one that throws on import). */
  readonly entrySource?: string;
  readonly version?: string;
  /** Merged over the package.json's `acai` block (hostRange, secrets, network, entry). */
  readonly acai?: Record<string, unknown>;
  /** Merged over the package.json (peerDependencies, or a field that breaks the manifest). */
  readonly packageJson?: Record<string, unknown>;
}

/** A loaded host over test plugins, with what it logged and its metrics. */
export interface TestPluginHost {
  readonly host: PluginHost;
  readonly metrics: Registry;
  readonly logLines: Array<Record<string, unknown>>;
  /** The value of one labelled series of a metric (undefined when absent). */
  metricValue(name: string, labels: Record<string, string>): Promise<number | undefined>;
  close(): Promise<void>;
}

/** Options of {@link loadTestPlugins}. */
export interface LoadTestPluginsOptions {
  /** The environment `${VAR}` references in the entries resolve against. */
  readonly env?: Record<string, string>;
  readonly loader?: Partial<Omit<LoadPluginHostOptions, 'config' | 'configDir' | 'dataDir'>>;
}

/**
 * Writes `packages` (folder name → package) into a temporary folder and loads `entries` (plugins.config.json
 * entries; `path: './<folder>'` points at a package) with the real loader. Entries without a mode run inline,
 * outside any sandbox (`"sandbox": "none"`): these suites test the call path, the sandbox has its own.
 * The folder is removed when the host is closed, or at once when the load throws.
 */
export async function loadTestPlugins(
  packages: Readonly<Record<string, TestPluginPackage>>,
  entries: ReadonlyArray<Record<string, unknown>>,
  options: LoadTestPluginsOptions = {},
): Promise<TestPluginHost> {
  const dir = await mkdtemp(join(tmpdir(), 'acai-test-plugins-'));
  const keys: string[] = [];
  const remove = async (): Promise<void> => {
    for (const key of keys) definitions.delete(key);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const [folder, testPackage] of Object.entries(packages)) keys.push(await writePackage(join(dir, folder), folder, testPackage));
    const config = parsePluginsConfig(
      { plugins: entries.map((entry) => (entry['mode'] === undefined && entry['mcp'] === undefined ? { ...entry, mode: 'inline', sandbox: 'none' } : entry)) },
      { path: join(dir, 'plugins.config.json'), env: options.env ?? {} },
    );
    const { logger, lines } = createCapturingLogger();
    const metrics = new Registry();
    const host = await loadPluginHost({
      config,
      configDir: dir,
      dataDir: join(dir, '.data'),
      hostVersion: TEST_HOST_VERSION,
      keyValueStore: new MemoryKeyValueStore(),
      logger,
      metricsRegistry: metrics,
      ...options.loader,
    });
    return {
      host,
      metrics,
      logLines: lines,
      async metricValue(name, labels) {
        const values = (await metrics.getSingleMetric(name)?.get())?.values ?? [];
        return values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label))?.value;
      },
      async close() {
        await host.dispose();
        await remove();
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function writePackage(packageDir: string, folder: string, testPackage: TestPluginPackage): Promise<string> {
  await mkdir(packageDir, { recursive: true });
  const key = `${packageDir}#${folder}`;
  definitions.set(key, testPackage.definition);
  const packageJson = {
    name: `@acai-test/plugin-${folder}`,
    version: testPackage.version ?? '1.0.0',
    type: 'module',
    peerDependencies: { '@acai/plugin-sdk': `^${SDK_VERSION}` },
    ...testPackage.packageJson,
    acai: { entry: './index.js', sdkApi: SDK_API_VERSION, hostRange: '>=0.1.0 <1.0.0', ...testPackage.acai },
  };
  await writeFile(join(packageDir, 'package.json'), JSON.stringify(packageJson, null, 2));
  const handOver = `export default globalThis[Symbol.for('acai.test-plugin-definitions')].get(${JSON.stringify(key)});\n`;
  await writeFile(join(packageDir, 'index.js'), testPackage.entrySource ?? handOver);
  return key;
}

/** A pino logger whose lines are kept (parsed) for assertions. */
export function createCapturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}
