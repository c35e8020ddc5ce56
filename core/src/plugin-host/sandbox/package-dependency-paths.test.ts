import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageDependencyPaths } from './package-dependency-paths.js';

async function writePackage(dir: string, manifest: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest));
}

describe('packageDependencyPaths', () => {
  let root: string;

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'acai-deps-test-')));
    // A workspace: the plugin's SDK peer is a link to a sibling folder; `left-pad` is hoisted; `ajv` nests its own `uri`.
    await writePackage(join(root, 'plugins/quotes'), { name: 'quotes', dependencies: { 'left-pad': '1', ajv: '8' }, peerDependencies: { sdk: '1' }, optionalDependencies: { missing: '1' } });
    await writePackage(join(root, 'sdk'), { name: 'sdk', dependencies: { semver: '7' } });
    await writePackage(join(root, 'node_modules/left-pad'), { name: 'left-pad' });
    await writePackage(join(root, 'node_modules/ajv'), { name: 'ajv', dependencies: { uri: '2' } });
    await writePackage(join(root, 'node_modules/ajv/node_modules/uri'), { name: 'uri' });
    await writePackage(join(root, 'node_modules/semver'), { name: 'semver' });
    await writePackage(join(root, 'node_modules/unrelated'), { name: 'unrelated' });
    await symlink('../sdk', join(root, 'node_modules/sdk'));
  });

  afterAll(() => rm(root, { recursive: true, force: true }));

  it('finds each dependency where Node’s resolver would, transitively, links kept as found, and nothing else', async () => {
    const paths = await packageDependencyPaths(join(root, 'plugins/quotes'));
    expect(paths.sort()).toEqual(
      [
        join(root, 'plugins/quotes'),
        join(root, 'node_modules/left-pad'),
        join(root, 'node_modules/ajv'),
        join(root, 'node_modules/ajv/node_modules/uri'),
        join(root, 'node_modules/sdk'),
        join(root, 'node_modules/semver'),
      ].sort(),
    );
    expect(paths).not.toContain(join(root, 'node_modules/unrelated'));
  });

  it('follows only the named dependencies of the first package, without the package itself when asked', async () => {
    expect((await packageDependencyPaths(join(root, 'plugins/quotes'), { only: ['sdk'], includeSelf: false })).sort()).toEqual([join(root, 'node_modules/sdk'), join(root, 'node_modules/semver')].sort());
  });
});
