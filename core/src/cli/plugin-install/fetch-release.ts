import { copyFile, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import semver from 'semver';
import { integrityOf } from '../../plugin-host/integrity/package-integrity.js';
import { readPackageTarball } from '../../plugin-host/integrity/read-package-tarball.js';
import { CliError } from '../cli-error.js';
import { runNpm } from './run-npm.js';

type Env = Readonly<Record<string, string | undefined>>;

// npm's rules for a package name: lower case, URL-safe, optionally scoped.
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** A package archive fetched for installation, and what it is. */
export interface FetchedRelease {
  /** The archive on disk (inside the staging folder). */
  readonly archive: string;
  readonly packageName: string;
  readonly version: string;
  /** `sha512-…` of the archive; for a registry package, the registry's own. */
  readonly integrity: string;
}

/**
 * Downloads `<name>@<range>` from the registry with `npm pack` (which resolves the range, and
 * checks the download against the registry's dist.integrity) into `folder`.
 */
export async function fetchRegistryRelease(spec: string, options: { folder: string; registry: string | undefined; env: Env }): Promise<FetchedRelease> {
  const { stdout } = await runNpm(['pack', spec, '--json', '--pack-destination', options.folder, ...(options.registry === undefined ? [] : ['--registry', options.registry])], {
    cwd: options.folder,
    env: options.env,
    what: `downloading ${spec}`,
  });
  let report: { name?: unknown; version?: unknown; filename?: unknown; integrity?: unknown } | undefined;
  try {
    report = (JSON.parse(stdout) as unknown[])[0] as typeof report;
  } catch {
    report = undefined;
  }
  if (typeof report?.filename !== 'string' || typeof report.integrity !== 'string') throw new CliError(`downloading ${spec}: npm pack did not report the archive it wrote`);
  const archive = join(options.folder, basename(report.filename));
  const fetched = await describeArchive(archive);
  // npm compared the download with the registry's integrity; compare what is on disk with what npm reported.
  if (fetched.integrity !== report.integrity) throw new CliError(`downloading ${spec}: the archive on disk hashes to ${fetched.integrity}, npm reported ${report.integrity}`);
  return fetched;
}

/** Copies a local archive (`npm pack` output) into `folder`. */
export async function fetchTarballRelease(tarball: string, folder: string): Promise<FetchedRelease> {
  const archive = join(folder, 'fetched.tgz');
  await copyFile(tarball, archive);
  return describeArchive(archive);
}

/** Name, version and integrity of a package archive, read from its package.json. */
export async function describeArchive(archive: string): Promise<FetchedRelease> {
  const bytes = await readFile(archive);
  let manifest: { name?: unknown; version?: unknown };
  try {
    const packageJson = readPackageTarball(bytes).find((file) => file.path === 'package.json');
    if (packageJson === undefined) throw new Error('it has no package.json');
    manifest = JSON.parse(packageJson.content.toString('utf8')) as typeof manifest;
  } catch (error) {
    throw new CliError(`${archive} is not a package archive made by \`npm pack\`: ${(error as Error).message}`);
  }
  if (typeof manifest.name !== 'string' || typeof manifest.version !== 'string') throw new CliError(`${archive}: its package.json has no name or version`);
  // Both become folder names of the install: only what npm itself accepts gets that far.
  if (!PACKAGE_NAME.test(manifest.name) || manifest.name.length > 214) throw new CliError(`${archive}: "${manifest.name.slice(0, 80)}" is not an npm package name`);
  if (semver.valid(manifest.version) !== manifest.version) throw new CliError(`${archive}: "${manifest.version.slice(0, 80)}" is not a semver version`);
  return { archive, packageName: manifest.name, version: manifest.version, integrity: integrityOf(bytes) };
}
