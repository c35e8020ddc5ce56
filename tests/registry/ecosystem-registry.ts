// The registry an author and an operator would use, with this checkout published to it: the SDK,
// create-acai-plugin, the host and the CLI (`npm pack`, which runs each package's prepack build, then the publish API),
// plus every third-party package they, a scaffolded plugin's dev tools and the `ms` package need.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createNpmHome, startLocalRegistry, type LocalRegistry, type NpmHome } from './local-registry.js';
import { publishArchive, seedRegistry } from './seed-registry.js';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The workspaces published, in the order docs/releasing.md gives (dependencies first). */
export const PUBLISHED_WORKSPACES = ['plugin-sdk', 'create-acai-plugin', 'core', 'cli'] as const;

/** Third-party packages a scaffolded plugin installs (its dev tools) and the runtime dependency the tests give it. */
const AUTHOR_PACKAGES = ['typescript', 'vitest', '@types/node', 'ms'] as const;

/** A registry with the checkout published, and an npm user (HOME) that uses only it. */
export interface EcosystemRegistry {
  readonly registry: LocalRegistry;
  readonly npm: NpmHome;
  /** How many third-party packages were copied in from npm's cache. */
  readonly seeded: number;
  close(): Promise<void>;
}

/** Runs npm as the registry's user. */
export function npmAs(npm: NpmHome, args: readonly string[], cwd: string, timeoutMs = 600_000): Promise<{ stdout: string; stderr: string }> {
  return run('npm', [...args], { cwd, env: npm.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
}

/**
 * Starts the registry, seeds it, and publishes the checkout's packages to it. better-sqlite3 (a
 * dependency of the host's embedded store) downloads a prebuilt binary when it is installed; this
 * machine cannot reach that download, so the binary this checkout already built is put where
 * prebuild-install keeps its downloads (the npm cache's _prebuilds folder), instead of compiling SQLite again.
 */
export async function startEcosystemRegistry(): Promise<EcosystemRegistry> {
  const registry = await startLocalRegistry();
  let npm: NpmHome | undefined;
  try {
    const { published } = await seedRegistry(registry, join(REPO_ROOT, 'package-lock.json'), { workspaces: PUBLISHED_WORKSPACES, packages: AUTHOR_PACKAGES });
    npm = await createNpmHome(registry);
    await cacheSqlitePrebuild(join(npm.home, '.npm'));
    await publishCheckout(registry, npm);
    const home = npm;
    return {
      registry,
      npm: home,
      seeded: published,
      close: async () => {
        await home.remove();
        await registry.close();
      },
    };
  } catch (error) {
    await npm?.remove();
    await registry.close();
    throw error;
  }
}

/**
 * Packs each published workspace with `npm pack` (which runs its prepack build, as `npm publish`
 * would) and publishes the archive. The publish API is used instead of `npm publish` so the registry
 * can mark the CLI's shrinkwrap the way the public registry does (see publishArchive).
 */
async function publishCheckout(registry: LocalRegistry, npm: NpmHome): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'acai-packs-'));
  try {
    for (const workspace of PUBLISHED_WORKSPACES) {
      const { stdout } = await npmAs(npm, ['pack', '--workspace', workspace, '--pack-destination', folder, '--json'], REPO_ROOT);
      const [report] = JSON.parse(stdout) as Array<{ filename: string }>;
      await publishArchive(registry, await readFile(join(folder, basename(report!.filename))));
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Puts better-sqlite3's binary for this Node.js into an npm cache, named as prebuild-install names its download of it. */
export async function cacheSqlitePrebuild(npmCache: string): Promise<void> {
  const moduleFolder = join(REPO_ROOT, 'node_modules', 'better-sqlite3');
  const pkg = JSON.parse(await readFile(join(moduleFolder, 'package.json'), 'utf8')) as { name: string; version: string };
  const { getDownloadUrl } = createRequire(join(REPO_ROOT, 'package.json'))('prebuild-install/util') as { getDownloadUrl(options: object): string };
  // The options prebuild-install's own defaults give on this machine (its rc.js): tag prefix "v", glibc as ''.
  const url = getDownloadUrl({ pkg, runtime: 'node', abi: process.versions.modules, platform: process.platform, arch: process.arch, libc: '', 'tag-prefix': 'v' });
  const digest = createHash('sha512').update(url).digest('hex').slice(0, 6);
  const folder = join(npmCache, '_prebuilds');
  await mkdir(folder, { recursive: true });
  await run('tar', ['-czf', join(folder, `${digest}-${basename(url).replace(/[^a-zA-Z0-9.]+/g, '-')}`), '-C', moduleFolder, 'build/Release/better_sqlite3.node']);
}
