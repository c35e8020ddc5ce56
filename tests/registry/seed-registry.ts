// Fills the local registry with the third-party packages this checkout's packages need, exactly the
// versions package-lock.json pins, read from npm's content cache (populated by `npm ci`; nothing is
// downloaded). Each is published through the registry's publish API, as `npm publish` would.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { readPackageTarball } from '../../core/src/plugin-host/integrity/read-package-tarball.js';
import { lockfileClosure, resolveFrom, type Lockfile } from '../../cli/scripts/lockfile-closure.mjs';
import type { LocalRegistry } from './local-registry.js';

/** What to seed: the workspaces whose dependencies are needed, and root dev dependencies by name. */
export interface SeedRoots {
  /** Workspace folders (`core`, `plugin-sdk`, …): their dependencies and peers, not themselves. */
  readonly workspaces: readonly string[];
  /** Packages installed at the repository root (`typescript`, `vitest`, `ms`, …). */
  readonly packages: readonly string[];
}

/** One package version to put into the registry. */
interface SeedPackage {
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
}

/**
 * The packages (name@version from the lockfile) that installing `roots` needs: the dependency
 * closure, resolved the way Node and npm nest node_modules. Platform-specific optional packages whose
 * archive this machine never downloaded are left out later (npm skips what does not fit the platform).
 */
export function packagesToSeed(lockfile: Lockfile, roots: SeedRoots): SeedPackage[] {
  const rootPaths = [
    ...roots.workspaces,
    ...roots.packages.map((name) => {
      const resolved = resolveFrom(lockfile, '', name);
      if (resolved === undefined) throw new Error(`${name} is not in package-lock.json`);
      return resolved;
    }),
  ];
  const needed = new Map<string, SeedPackage>();
  for (const path of lockfileClosure(lockfile, rootPaths)) {
    const entry = lockfile.packages[path];
    if (!path.includes('node_modules/') || entry?.version === undefined || entry.integrity === undefined) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    needed.set(`${name}@${entry.version}`, { name, version: entry.version, integrity: entry.integrity });
  }
  return [...needed.values()];
}

/** Where npm's content cache keeps an archive with this integrity (cacache's layout), or undefined. */
function cachedArchivePath(integrity: string, cacheFolder: string): string | undefined {
  const base64 = /^sha512-(\S+)/.exec(integrity)?.[1];
  if (base64 === undefined) return undefined;
  const hex = Buffer.from(base64, 'base64').toString('hex');
  return join(cacheFolder, '_cacache', 'content-v2', 'sha512', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

/**
 * Publishes every package `roots` needs into the registry from npm's cache (the machine's default
 * cache unless `cacheFolder` is given). Versions go in ascending order, so `latest` ends on the newest.
 * Resolves to the number published and the (platform-specific) ones the cache did not have.
 */
export async function seedRegistry(registry: LocalRegistry, lockfilePath: string, roots: SeedRoots, cacheFolder = join(homedir(), '.npm')): Promise<{ published: number; skipped: string[] }> {
  const lockfile = JSON.parse(await readFile(lockfilePath, 'utf8')) as Lockfile;
  const packages = packagesToSeed(lockfile, roots).sort((left, right) => (left.name === right.name ? semver.compare(left.version, right.version) : left.name < right.name ? -1 : 1));
  const byName = new Map<string, SeedPackage[]>();
  for (const pkg of packages) byName.set(pkg.name, [...(byName.get(pkg.name) ?? []), pkg]);
  const skipped: string[] = [];
  let published = 0;
  const work = [...byName.values()];
  // A few packages at once; the versions of one package one after another (each publish edits its document).
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let versions = work.shift(); versions !== undefined; versions = work.shift()) {
        for (const pkg of versions) {
          const path = cachedArchivePath(pkg.integrity, cacheFolder);
          const archive = path === undefined ? undefined : await readFile(path).catch(() => undefined);
          if (archive === undefined) {
            skipped.push(`${pkg.name}@${pkg.version}`);
            continue;
          }
          await publishArchive(registry, archive);
          published += 1;
        }
      }
    }),
  );
  return { published, skipped };
}

/**
 * Publishes a package archive through the registry's publish API (`PUT /<name>`), with the manifest
 * taken from the archive itself. Like the public registry (and unlike verdaccio on its own), it marks
 * a version that ships an npm-shrinkwrap.json (`_hasShrinkwrap`), which is what makes npm install
 * that package's dependencies exactly as its shrinkwrap pins them.
 */
export async function publishArchive(registry: LocalRegistry, archive: Buffer): Promise<{ name: string; version: string }> {
  const files = readPackageTarball(archive);
  const packageJson = files.find((file) => file.path === 'package.json');
  if (packageJson === undefined) throw new Error('the archive has no package.json');
  const manifest = JSON.parse(packageJson.content.toString('utf8')) as Record<string, unknown> & { name: string; version: string };
  const { name, version } = manifest;
  const fileName = `${name}-${version}.tgz`;
  const integrity = `sha512-${createHash('sha512').update(archive).digest('base64')}`;
  const document = {
    _id: name,
    name,
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        ...manifest,
        _id: `${name}@${version}`,
        _hasShrinkwrap: files.some((file) => file.path === 'npm-shrinkwrap.json'),
        dist: { integrity, shasum: createHash('sha1').update(archive).digest('hex'), tarball: new URL(`${name}/-/${fileName}`, registry.url).href },
      },
    },
    _attachments: { [fileName]: { content_type: 'application/octet-stream', data: archive.toString('base64'), length: archive.length } },
  };
  const response = await fetch(new URL(name.replace('/', '%2f'), registry.url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${registry.token}` },
    body: JSON.stringify(document),
  });
  if (!response.ok) throw new Error(`publishing ${name}@${version} to the local registry: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
  return { name, version };
}
