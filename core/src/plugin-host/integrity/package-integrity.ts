import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostError } from '../../errors/index.js';
import { readPackageTarball, TarballError, type TarballFile } from './read-package-tarball.js';

/** Subresource-integrity string of bytes, as npm and registries record it: `sha512-<base64>`. */
export function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** The sha512 part of an SRI string (which may list several hashes), or undefined when it has none. */
export function sha512Of(integrity: string): string | undefined {
  return integrity
    .split(/\s+/)
    .find((hash) => hash.startsWith('sha512-'))
    ?.replace(/\?.*$/, '');
}

/** What {@link verifyInstalledPackage} checks. */
export interface InstalledPackageCheck {
  /** The installed package folder (`…/node_modules/<name>`). */
  readonly packageDir: string;
  /** The archive it was installed from, kept next to it. */
  readonly tarballPath: string;
  /** The recorded integrity (plugins.config.json › installed.integrity). */
  readonly integrity: string;
  /** `plugins.config.json › digits (package acai-plugin-digits@1.0.0)`, for messages. */
  readonly label: string;
}

/**
 * Check "integrity": the kept archive still hashes to the integrity recorded at install (the registry's
 * sha512), and the installed folder holds exactly its files, byte for byte (the package's own
 * `node_modules`, where npm puts nested dependencies, aside). Any difference refuses the plugin with
 * HOST_PLUGIN_INTEGRITY_MISMATCH naming the first file that differs.
 */
export async function verifyInstalledPackage(check: InstalledPackageCheck): Promise<void> {
  const refuse = (problem: string, cause?: unknown): HostError =>
    new HostError(
      'HOST_PLUGIN_INTEGRITY_MISMATCH',
      `${check.label}: ${problem}. The package is not what was installed from the registry; reinstall it with \`acai plugin upgrade\` (or \`acai plugin add\`) and find out who changed it.`,
      cause === undefined ? {} : { cause },
    );
  const recorded = sha512Of(check.integrity);
  if (recorded === undefined) throw refuse(`the recorded integrity "${check.integrity.slice(0, 100)}" has no sha512 hash`);
  let archive: Buffer;
  try {
    archive = await readFile(check.tarballPath);
  } catch (error) {
    throw refuse(`the archive it was installed from (${check.tarballPath}) cannot be read`, error);
  }
  const actual = integrityOf(archive);
  if (actual !== recorded) throw refuse(`the archive ${check.tarballPath} hashes to ${actual}, not the recorded ${recorded}`);
  let files: TarballFile[];
  try {
    files = readPackageTarball(archive);
  } catch (error) {
    throw refuse(`the archive cannot be read: ${error instanceof TarballError ? error.message : String(error)}`, error);
  }
  const expected = new Set<string>();
  for (const file of files) {
    expected.add(file.path);
    let installed: Buffer;
    try {
      const info = await lstat(join(check.packageDir, file.path));
      if (!info.isFile()) throw refuse(`${file.path} is not a regular file`);
      installed = await readFile(join(check.packageDir, file.path));
    } catch (error) {
      if (HostError.isInstance(error)) throw error;
      throw refuse(`${file.path} is missing`, error);
    }
    if (!installed.equals(file.content)) throw refuse(`${file.path} differs from the published file`);
  }
  for (const path of await listPackageFiles(check.packageDir)) {
    if (!expected.has(path)) throw refuse(`${path} is not part of the published package`);
  }
}

/**
 * Every file under a package folder, as `/`-separated paths relative to it, without `node_modules`
 * folders (npm installs dependencies there; they are not part of the package). Symbolic links count
 * as files, so a link swapped in for a file is noticed.
 */
export async function listPackageFiles(packageDir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(packageDir, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') files.push(...(await listPackageFiles(packageDir, path)));
    } else {
      files.push(path);
    }
  }
  return files.sort();
}
