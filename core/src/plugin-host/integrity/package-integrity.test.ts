import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../../errors/index.js';
import { integrityOf, listPackageFiles, sha512Of, verifyInstalledPackage } from './package-integrity.js';

const run = promisify(execFile);
let folder: string;
let packageDir: string;
let tarballPath: string;
let integrity: string;

const FILES = { 'package.json': '{"name":"acai-plugin-digits","version":"1.0.0"}', 'dist/index.js': 'export default {};\n', 'README.md': '# digits\n' };

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'acai-integrity-'));
  // The archive as published, and the package as npm installed it from there (plus a nested dependency).
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(join(folder, 'package', path, '..'), { recursive: true });
    await writeFile(join(folder, 'package', path), text);
  }
  tarballPath = join(folder, 'package.tgz');
  await run('tar', ['-czf', tarballPath, '-C', folder, 'package']);
  integrity = integrityOf(await readFile(tarballPath));
  packageDir = join(folder, 'package');
  await mkdir(join(packageDir, 'node_modules', 'ms'), { recursive: true });
  await writeFile(join(packageDir, 'node_modules', 'ms', 'index.js'), 'module.exports = 1;');
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function refusal(): Promise<string> {
  try {
    await verifyInstalledPackage({ packageDir, tarballPath, integrity, label: 'plugins.config.json › digits' });
  } catch (error) {
    expect(HostError.isInstance(error) && error.code).toBe('HOST_PLUGIN_INTEGRITY_MISMATCH');
    return (error as Error).message;
  }
  throw new Error('the package was accepted');
}

describe('verifyInstalledPackage', () => {
  it('accepts the installed package when it is byte for byte the recorded archive (its node_modules aside)', async () => {
    await expect(verifyInstalledPackage({ packageDir, tarballPath, integrity, label: 'x' })).resolves.toBeUndefined();
  });

  it('refuses a changed file, naming it and the fix', async () => {
    await appendFile(join(packageDir, 'dist', 'index.js'), 'globalThis.steal = process.env;\n');
    expect(await refusal()).toBe(
      'plugins.config.json › digits: dist/index.js differs from the published file. The package is not what was installed from the registry; reinstall it with `acai plugin upgrade` (or `acai plugin add`) and find out who changed it.',
    );
  });

  it('refuses an added file, a removed file, and a file swapped for a link', async () => {
    await writeFile(join(packageDir, 'dist', 'extra.js'), '');
    expect(await refusal()).toMatch(/: dist\/extra\.js is not part of the published package\./);
    await unlink(join(packageDir, 'dist', 'extra.js'));
    await unlink(join(packageDir, 'README.md'));
    expect(await refusal()).toMatch(/: README\.md is missing\./);
    await symlink(join(folder, 'package.tgz'), join(packageDir, 'README.md'));
    expect(await refusal()).toMatch(/: README\.md is not a regular file\./);
  });

  it('refuses when the kept archive no longer matches the recorded integrity, or is gone', async () => {
    await appendFile(tarballPath, Buffer.from([0]));
    expect(await refusal()).toMatch(/hashes to sha512-.*, not the recorded sha512-/);
    await unlink(tarballPath);
    expect(await refusal()).toMatch(/the archive it was installed from \(.*package\.tgz\) cannot be read/);
  });

  it('refuses a recorded integrity without a sha512 hash', async () => {
    integrity = 'sha1-abc';
    expect(await refusal()).toMatch(/the recorded integrity "sha1-abc" has no sha512 hash/);
  });
});

describe('integrity strings', () => {
  it('are sha512 SRI, and the sha512 part of a multi-hash SRI is found', () => {
    expect(integrityOf(Buffer.from('x'))).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(sha512Of(`sha1-xyz sha512-${'a'.repeat(86)}==`)).toBe(`sha512-${'a'.repeat(86)}==`);
    expect(sha512Of('sha1-xyz')).toBeUndefined();
  });

  it('lists package files without node_modules', async () => {
    expect(await listPackageFiles(packageDir)).toEqual(['README.md', 'dist/index.js', 'package.json']);
  });
});
