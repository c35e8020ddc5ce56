// Set-up for the e2e suites that operate the real host's plugin set: a temporary directory holding
// plugins.config.json (rewritten by the tests), tarballs of the forecast fixture releases and a
// node_modules link, so `package` sources resolve exactly as they do next to the repo's own config.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack } from '../integration/reload-support.js';
import { forSuite } from '../support/plugin-grants.js';
import { START_UP_DEADLINE_MS } from '../support/timing.js';
import { twirpJson } from './host-support.js';

const REPO_NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const HOSTILE_DIR = fileURLToPath(new URL('../fixtures/hostile-plugins/', import.meta.url));
const PROTO_DIR = fileURLToPath(new URL('../../proto', import.meta.url));

export const ADMIN_SERVICE = 'acai.admin.PluginService';

/** The shipped datetime plugin, resolved from node_modules like the repo's plugins.config.json does. */
export const DATETIME_ENTRY = { name: 'datetime', package: '@acai/plugin-datetime', version: '^1.0.0' } as const;

export type ForecastRelease = '1.0.0' | '1.1.0' | '1.2.0';

export interface PluginsWorkspace {
  readonly dir: string;
  readonly configPath: string;
  /** Absolute path of the tarball of one forecast release. */
  tarball(release: ForecastRelease): string;
  /** A worker-mode entry for the forecast plugin from one release's tarball. */
  forecast(release: ForecastRelease, extra?: Record<string, unknown>): Record<string, unknown>;
  /** Absolute path of a hostile-plugins fixture package. */
  fixture(name: string): string;
  /** Replaces plugins.config.json (write, then rename, as deploy tools do). */
  writeConfig(plugins: ReadonlyArray<Record<string, unknown>>, defaultPolicy?: Record<string, unknown>): Promise<void>;
  /** Writes arbitrary text as plugins.config.json (for broken files). */
  writeRaw(text: string): Promise<void>;
  close(): Promise<void>;
}

/** Default call policy of the suites: quick breaker, generous timeouts (nothing asserts on time). */
export const TEST_DEFAULT_POLICY = { timeoutMs: 10_000, setupTimeoutMs: START_UP_DEADLINE_MS, breaker: { failureThreshold: 2, halfOpenAfterMs: 600_000 } };

export async function createPluginsWorkspace(plugins: ReadonlyArray<Record<string, unknown>>, defaultPolicy: Record<string, unknown> = TEST_DEFAULT_POLICY): Promise<PluginsWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), 'acai-e2e-plugins-'));
  await symlink(REPO_NODE_MODULES, join(dir, 'node_modules'), 'dir');
  for (const release of ['1.0.0', '1.1.0', '1.2.0']) await pack(join(HOSTILE_DIR, `forecast-${release}`), join(dir, `forecast-${release}.tgz`), dir);
  const configPath = join(dir, 'plugins.config.json');
  const writeRaw = async (text: string) => {
    await writeFile(`${configPath}.next`, text);
    await rename(`${configPath}.next`, configPath);
  };
  const writeConfig = (entries: ReadonlyArray<Record<string, unknown>>, policy: Record<string, unknown> = defaultPolicy) =>
    writeRaw(JSON.stringify({ defaults: { policy }, plugins: entries.map((entry) => forSuite(entry, dir)) }, null, 2));
  await writeConfig(plugins);
  const tarball = (release: ForecastRelease) => join(dir, `forecast-${release}.tgz`);
  return {
    dir,
    configPath,
    tarball,
    forecast: (release, extra = {}) => ({ name: 'forecast', tarball: tarball(release), mode: 'worker', ...extra }),
    fixture: (name) => join(HOSTILE_DIR, name),
    writeConfig,
    writeRaw,
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Calls one method of the admin API over Twirp JSON. */
export function adminJson(url: string, method: string, body: unknown, headers: Record<string, string> = {}) {
  return twirpJson(url, method, body, headers, ADMIN_SERVICE);
}

/** A plugin of a ListPlugins JSON answer, by name. */
export function listedPlugin(body: Record<string, any>, name: string): Record<string, any> | undefined {
  return (body.plugins as Array<Record<string, any>> | undefined)?.find((plugin) => plugin.name === name);
}

/** Encodes a message of admin.proto from protobuf text format with protoc itself (not our codec). */
export function encodeAdminMessage(messageType: string, text: string): Buffer {
  const encoded = spawnSync('protoc', ['-I', PROTO_DIR, `--encode=acai.admin.${messageType}`, 'admin.proto'], { input: text });
  if (encoded.status !== 0) throw new Error(`protoc --encode failed: ${encoded.stderr.toString()}`);
  return encoded.stdout;
}

/** Decodes a binary message of admin.proto into protobuf text format with protoc. */
export function decodeAdminMessage(messageType: string, bytes: Buffer): string {
  const decoded = spawnSync('protoc', ['-I', PROTO_DIR, `--decode=acai.admin.${messageType}`, 'admin.proto'], { input: bytes });
  if (decoded.status !== 0) throw new Error(`protoc --decode failed: ${decoded.stderr.toString()}`);
  return decoded.stdout.toString();
}
