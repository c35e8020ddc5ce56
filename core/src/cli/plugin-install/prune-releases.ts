import { readdir, rm } from 'node:fs/promises';
import semver from 'semver';
import { pluginInstallFolder, releaseFolder } from '../../plugin-host/install/installed-release.js';

/** How many releases of a plugin stay installed: the configured one and the newest others, for fallbacks and rollbacks. */
export const KEPT_RELEASES = 3;

/**
 * Removes all but the releases in `keep` and the newest {@link KEPT_RELEASES} of one plugin's install
 * folder; returns the versions removed. A host that still runs an older release keeps it in memory.
 */
export async function pruneReleases(installDir: string, pluginName: string, keep: readonly string[]): Promise<string[]> {
  let versions: string[];
  try {
    versions = (await readdir(pluginInstallFolder(installDir, pluginName))).filter((name) => semver.valid(name) !== null).sort(semver.rcompare);
  } catch {
    return [];
  }
  const kept = new Set([...keep, ...versions.slice(0, KEPT_RELEASES)]);
  const removed = versions.filter((version) => !kept.has(version));
  for (const version of removed) await rm(releaseFolder(installDir, pluginName, version), { recursive: true, force: true });
  return removed;
}
