// Grants for the suites whose subject is not the sandbox: what a fixture asks for, granted as the operator
// would with `acai plugin add --yes`, so those suites run third-party fixtures under the default sandbox.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginManifest } from '@acai/plugin-sdk';
import { manifestRequest, toPermissionsBlock } from '../../core/src/plugin-host/index.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HOST_PATTERN = /^(\*\.)?[a-z0-9][a-z0-9.-]*(:[0-9]{1,5})?$/;

/** What a stdio MCP server started from tests/fixtures must read inside its sandbox: the fixtures and the installed packages. */
export const FIXTURE_SERVER_READ_PATHS: readonly string[] = [join(REPO, 'tests/fixtures'), join(REPO, 'node_modules')];

/** An MCP entry's request (`mcp.permissions`) and grant (`permissions`) to read {@link FIXTURE_SERVER_READ_PATHS}. */
export function fixtureServerPermissions(): { readonly request: { read: string[] }; readonly grant: { read: string[] } } {
  return { request: { read: [...FIXTURE_SERVER_READ_PATHS] }, grant: { read: [...FIXTURE_SERVER_READ_PATHS] } };
}

/**
 * The entry with `permissions` set to exactly what its plugin package asks for (a `path` or `tarball` entry,
 * relative to `configDir`); entries that set `permissions` themselves, and other sources, are left as they are.
 */
export function grantingWhatItAsks(entry: Record<string, unknown>, configDir: string): Record<string, unknown> {
  if (entry['permissions'] !== undefined) return entry;
  let manifest: PluginManifest | undefined;
  try {
    manifest = (JSON.parse(readPackageJson(entry, configDir) ?? 'null') as { acai?: PluginManifest } | null)?.acai;
  } catch {
    return entry; // no readable package: the loader's own check says so
  }
  if (typeof manifest !== 'object' || manifest === null) return entry;
  const request = manifestRequest(manifest);
  // A fixture with a broken manifest is refused by the manifest check; a malformed host would fail the whole config instead.
  const grant = toPermissionsBlock({ ...request, network: request.network.filter((host) => HOST_PATTERN.test(host)) });
  return Object.keys(grant).length === 0 ? entry : { ...entry, permissions: grant };
}

/** The package.json text of a `path` or `tarball` entry's package (undefined for other sources). */
function readPackageJson(entry: Record<string, unknown>, configDir: string): string | undefined {
  const at = (path: string) => (isAbsolute(path) ? path : resolve(configDir, path));
  if (typeof entry['path'] === 'string') return readFileSync(join(at(entry['path']), 'package.json'), 'utf8');
  if (typeof entry['tarball'] === 'string') return execFileSync('tar', ['-xzOf', at(entry['tarball']), 'package/package.json'], { encoding: 'utf8' });
  return undefined;
}

/**
 * A plugins.config.json entry as the suites that are not about the sandbox need it: granted what its plugin
 * asks for ({@link grantingWhatItAsks}); an entry the suite runs inline (its code shares state with the test
 * through globalThis, by design) opts out of the sandbox, which inline code cannot run in; a stdio MCP server
 * from the fixtures may read them ({@link fixtureServerPermissions}). Anything else keeps the default sandbox.
 */
export function forSuite(entry: Record<string, unknown>, configDir: string): Record<string, unknown> {
  const mcp = entry['mcp'] as Record<string, unknown> | undefined;
  if (mcp !== undefined) {
    if (typeof mcp['command'] !== 'string' || entry['permissions'] !== undefined || mcp['permissions'] !== undefined) return entry;
    const { request, grant } = fixtureServerPermissions();
    return { ...entry, mcp: { ...mcp, permissions: request }, permissions: grant };
  }
  const granted = grantingWhatItAsks(entry, configDir);
  return granted['mode'] === 'inline' && granted['sandbox'] === undefined ? { ...granted, sandbox: 'none' } : granted;
}
