import type { Logger } from 'pino';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { integrityOf } from '../../plugin-host/integrity/package-integrity.js';
import { RELEASE_ARCHIVE_NAME, releaseFolder } from '../../plugin-host/install/installed-release.js';
import { linkHostSdk } from '../../plugin-host/install/link-host-sdk.js';
import { identifyPlugin, type IdentifyOptions, type PluginIdentity } from '../plugin-checks/identify-plugin.js';
import type { FetchedRelease } from './fetch-release.js';
import { runNpm } from './run-npm.js';

type Env = Readonly<Record<string, string | undefined>>;

/** How the staged package's entry is imported to read its name (where the host would run it; see IdentifyOptions). */
export type SandboxedIdentifyOptions = Pick<IdentifyOptions, 'sandbox' | 'entrySandbox' | 'protectedPaths' | 'hardDeadlineMs'>;

/**
 * A release installed into a staging install folder (`<installDir>/.staging-…/<plugin>/<version>/`),
 * laid out exactly like the real one, so the host's checks can load it from there before anything in
 * the real install folder or plugins.config.json changes.
 */
export interface StagedRelease {
  /** The staging install folder: pass it as `installDir` to load the release from here. */
  readonly stagingDir: string;
  /** The release folder inside it. */
  readonly folder: string;
  readonly identity: PluginIdentity;
  readonly packageName: string;
  readonly version: string;
  readonly integrity: string;
}

/**
 * Installs a fetched archive with its dependencies as its own npm project: a package.json whose one
 * dependency is `file:package.tgz`, then `npm install` — production dependencies only, no install
 * scripts (a plugin's code runs only where the host puts it), no peers (the host provides the SDK,
 * which is linked in). npm writes the release's lockfile and checks every dependency's integrity.
 */
export async function stageRelease(
  fetched: FetchedRelease,
  options: { installDir: string; registry: string | undefined; env: Env; logger: Logger; identify?: SandboxedIdentifyOptions },
): Promise<StagedRelease> {
  await mkdir(options.installDir, { recursive: true });
  const stagingDir = await mkdtemp(join(options.installDir, '.staging-'));
  try {
    const work = join(stagingDir, 'release');
    await mkdir(work);
    await rename(fetched.archive, join(work, RELEASE_ARCHIVE_NAME));
    const manifest = {
      name: 'acai-plugin-release',
      private: true,
      description: `${fetched.packageName}@${fetched.version}, installed by \`acai plugin add\`; do not edit.`,
      dependencies: { [fetched.packageName]: `file:${RELEASE_ARCHIVE_NAME}` },
    };
    await writeFile(join(work, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await runNpm(['install', '--omit=dev', '--ignore-scripts', '--legacy-peer-deps', '--no-audit', '--no-fund', ...(options.registry === undefined ? [] : ['--registry', options.registry])], {
      cwd: work,
      env: options.env,
      what: `installing ${fetched.packageName}@${fetched.version} and its dependencies`,
    });
    await linkHostSdk(work);
    const packageDir = join(work, 'node_modules', fetched.packageName);
    const identity = await identifyPlugin(
      { kind: 'path', path: packageDir, absolutePath: packageDir },
      { configPath: join(stagingDir, 'plugins.config.json'), configDir: stagingDir, dataDir: stagingDir, env: options.env, logger: options.logger, ...options.identify },
    );
    const folder = releaseFolder(stagingDir, identity.name, fetched.version);
    await mkdir(dirname(folder), { recursive: true });
    await rename(work, folder);
    return { stagingDir, folder, identity, packageName: fetched.packageName, version: fetched.version, integrity: fetched.integrity };
  } catch (error) {
    await rm(stagingDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Moves a staged release to its place in the real install folder and removes the staging folder. A
 * release already there with the same archive is kept as it is (installing twice changes nothing).
 */
export async function commitRelease(staged: StagedRelease, installDir: string): Promise<string> {
  const target = releaseFolder(installDir, staged.identity.name, staged.version);
  try {
    const existing = await readFile(join(target, RELEASE_ARCHIVE_NAME)).catch(() => undefined);
    if (existing === undefined || integrityOf(existing) !== staged.integrity) {
      await rm(target, { recursive: true, force: true });
      await mkdir(dirname(target), { recursive: true });
      await rename(staged.folder, target);
    }
    return target;
  } finally {
    await discardStaged(staged);
  }
}

/** Removes a staged release that will not be used. */
export async function discardStaged(staged: StagedRelease): Promise<void> {
  await rm(staged.stagingDir, { recursive: true, force: true });
}
