import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../../errors/index.js';
import { checkDependenciesInstalled } from './check-dependencies-installed.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'acai-deps-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function installed(folder: string, name: string): Promise<void> {
  await mkdir(join(folder, 'node_modules', name), { recursive: true });
  await writeFile(join(folder, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0' }));
}

describe('checkDependenciesInstalled', () => {
  it('finds dependencies in the package folder and in the node_modules above it, as Node.js does', async () => {
    const packageDir = join(root, 'node_modules', 'acai-plugin-digits');
    await mkdir(packageDir, { recursive: true });
    await installed(root, 'ms');
    await installed(packageDir, '@scope/nested');
    await expect(checkDependenciesInstalled(packageDir, { dependencies: { ms: '^2.1.3', '@scope/nested': '1.0.0' } }, { kind: 'package', package: 'acai-plugin-digits' }, 'x')).resolves.toBeUndefined();
    await expect(checkDependenciesInstalled(packageDir, {}, { kind: 'package', package: 'p' }, 'x')).resolves.toBeUndefined();
  });

  it.each([
    [{ kind: 'path', path: '/src/digits' }, 'Run `npm install` in /src/digits.'],
    [{ kind: 'tarball', tarball: '/srv/digits-1.0.0.tgz' }, 'Install it with its dependencies: `acai plugin add /srv/digits-1.0.0.tgz`'],
    [{ kind: 'package', package: 'acai-plugin-digits' }, 'Reinstall it with `acai plugin upgrade <name>`'],
  ] as const)('refuses a missing dependency, naming it and how a %j source gets it', async (source, fix) => {
    let error: unknown;
    try {
      await checkDependenciesInstalled(root, { dependencies: { ms: '^2.1.3' } }, source, 'plugins.config.json › digits (acai-plugin-digits@1.0.0)');
    } catch (caught) {
      error = caught;
    }
    expect(HostError.isInstance(error) && error.code).toBe('HOST_PLUGIN_DEPENDENCY_MISSING');
    expect((error as Error).message).toMatch(/^plugins\.config\.json › digits \(acai-plugin-digits@1\.0\.0\): its dependency ms \(\^2\.1\.3\) is not installed, so importing the plugin would fail\. /);
    expect((error as Error).message).toContain(fix);
  });
});
