import { access, readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const MAX_PACKAGES = 5_000;

/** Options of {@link packageDependencyPaths}. */
export interface PackageDependencyOptions {
  /** Follow only these dependencies of the first package (its others are not needed); default: all of them. */
  readonly only?: readonly string[];
  /** Include the first package's own directory (default true; false when only some of its files are needed). */
  readonly includeSelf?: boolean;
}

/**
 * The directories a package needs to run, as Node's resolver finds them: the package itself and, for
 * every dependency, peer and optional dependency in its package.json (transitively), the
 * `node_modules/<name>` path the resolver would find first, searching upwards from the real directory
 * of the package that depends on it. Links are returned as found (mirrorHostPaths recreates them), so
 * a workspace link or the host SDK linked into an extracted tarball resolves inside the sandbox as it
 * does outside. A dependency that is not installed is left out: the import fails inside the sandbox
 * exactly as it would outside it. Nothing else of `node_modules`, and nothing next to it, is included.
 */
export async function packageDependencyPaths(packageDir: string, options: PackageDependencyOptions = {}): Promise<string[]> {
  const found = new Set<string>(options.includeSelf === false ? [] : [packageDir]);
  const visited = new Set<string>();
  const queue: Array<{ readonly dir: string; readonly only: readonly string[] | undefined }> = [{ dir: await realpath(packageDir), only: options.only }];
  while (queue.length > 0 && visited.size < MAX_PACKAGES) {
    const { dir, only } = queue.shift()!;
    if (visited.has(dir)) continue;
    visited.add(dir);
    for (const name of only ?? (await dependencyNames(dir))) {
      const location = await findDependency(dir, name);
      if (location === undefined) continue;
      found.add(location);
      queue.push({ dir: await realpath(location), only: undefined });
    }
  }
  return [...found];
}

async function dependencyNames(packageDir: string): Promise<string[]> {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    const block = manifest[field];
    if (typeof block === 'object' && block !== null) for (const name of Object.keys(block)) names.add(name);
  }
  return [...names];
}

/** Where `require.resolve` would look first: `node_modules/<name>` in the package's real directory, then each parent's. */
async function findDependency(fromDir: string, name: string): Promise<string | undefined> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    try {
      await access(join(candidate, 'package.json'));
      return candidate;
    } catch {
      // not installed here; look one directory up
    }
    if (dirname(dir) === dir) return undefined;
  }
}
