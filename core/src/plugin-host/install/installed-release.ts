import { access, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { PluginEntryConfig } from '../../config/plugins-config.js';
import type { InstalledRelease } from '../../config/supply-chain-config.js';
import { HostError } from '../../errors/index.js';
import { integrityOf, sha512Of } from '../integrity/package-integrity.js';
import type { ResolvedPluginPackage } from '../resolve-plugin-package.js';
import { linkHostSdk } from './link-host-sdk.js';

/**
 * The layout of an install folder (plugins.config.json › installDir, default ./acai-plugins):
 *
 *   <installDir>/<plugin name>/<version>/package.json        { "dependencies": { "<package>": "file:package.tgz" } }
 *   <installDir>/<plugin name>/<version>/package-lock.json   the release's dependency tree, pinned
 *   <installDir>/<plugin name>/<version>/package.tgz         the archive exactly as the registry served it
 *   <installDir>/<plugin name>/<version>/node_modules/…      the package and its dependencies
 *
 * Every release is its own npm project: plugins never share or disturb each other's (or the host's)
 * dependency trees, and an older release stays on disk to fall back to when a newer one is refused.
 */
export const RELEASE_ARCHIVE_NAME = 'package.tgz';

/** Where every release of one plugin is installed. */
export function pluginInstallFolder(installDir: string, pluginName: string): string {
  return join(installDir, pluginName);
}

/** Where one release of a plugin is installed. */
export function releaseFolder(installDir: string, pluginName: string, version: string): string {
  return join(installDir, pluginName, version);
}

/** The package a release folder installs: the one dependency of its package.json. */
export async function releasePackageName(folder: string): Promise<string | undefined> {
  try {
    const packageJson = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const names = Object.keys(packageJson.dependencies ?? {});
    return names.length === 1 ? names[0] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Check "resolve" for an entry with an `installed` release: the package inside its release folder,
 * with the host's SDK linked in for the plugin's peer, and the archive the integrity check compares it with.
 */
export async function resolveInstalledRelease(entry: PluginEntryConfig, installed: InstalledRelease, installDir: string, label: string): Promise<ResolvedPluginPackage> {
  const source = entry.source;
  const folder = releaseFolder(installDir, entry.name, installed.version);
  const reinstall = `Run \`acai plugin upgrade ${entry.name}\` to install it, or fix "installed" in plugins.config.json.`;
  if (source.kind === 'tarball') await checkTarballUnchanged(source.tarball, installed, entry.name, label);
  const packageName = source.kind === 'package' ? source.package : await releasePackageName(folder);
  const packageDir = packageName === undefined ? undefined : join(folder, 'node_modules', packageName);
  if (packageDir === undefined || !(await exists(join(packageDir, 'package.json')))) {
    throw new HostError('HOST_PLUGIN_NOT_FOUND', `${label}: release ${installed.version} is not installed in ${folder}. ${reinstall}`);
  }
  await linkHostSdk(folder);
  const realPackageDir = await realpath(packageDir);
  return {
    packageDir: realPackageDir,
    packageJsonPath: join(realPackageDir, 'package.json'),
    description: source.kind === 'tarball' ? `tarball ${source.tarball}, installed ${installed.version}` : `package ${packageName}@${installed.version}`,
    installedArchive: join(folder, RELEASE_ARCHIVE_NAME),
  };
}

/** A tarball entry pointing at a file other than the one installed would silently keep running the old one. */
async function checkTarballUnchanged(tarball: string, installed: InstalledRelease, name: string, label: string): Promise<void> {
  const bytes = await readFile(tarball).catch(() => undefined);
  if (bytes === undefined) return; // the release is installed; the archive it came from may be gone
  if (integrityOf(bytes) !== sha512Of(installed.integrity)) {
    throw new HostError(
      'HOST_PLUGIN_NOT_FOUND',
      `${label}: ${tarball} is not the archive that was installed (release ${installed.version}). Run \`acai plugin upgrade ${name} ${tarball}\` to install it.`,
    );
  }
}

/** True when the path can be reached (the loader's resolve checks share it). */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
