import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorHostPaths } from './mirror-host-paths.js';

describe('mirrorHostPaths', () => {
  let root: string;

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'acai-mirror-test-')));
    await mkdir(join(root, 'real/lib/deep'), { recursive: true });
    await writeFile(join(root, 'real/lib/deep/file.txt'), 'x');
    await mkdir(join(root, 'workspace/node_modules/@scope'), { recursive: true });
    await mkdir(join(root, 'workspace/sdk'), { recursive: true });
    await symlink('real/lib', join(root, 'lib'));
    await symlink('../../sdk', join(root, 'workspace/node_modules/@scope/sdk'));
    await symlink(join(root, 'lib/deep/file.txt'), join(root, 'absolute-link.txt'));
  });

  afterAll(() => rm(root, { recursive: true, force: true }));

  it('mounts the real file or directory and recreates every link on the way, as written', async () => {
    expect(await mirrorHostPaths([join(root, 'lib/deep/file.txt')])).toEqual([
      { kind: 'symlink', path: join(root, 'lib'), target: 'real/lib' },
      { kind: 'read-only', path: join(root, 'real/lib/deep/file.txt') },
    ]);
    expect(await mirrorHostPaths([join(root, 'workspace/node_modules/@scope/sdk')])).toEqual([
      { kind: 'symlink', path: join(root, 'workspace/node_modules/@scope/sdk'), target: '../../sdk' },
      { kind: 'read-only', path: join(root, 'workspace/sdk') },
    ]);
  });

  it('follows a link to an absolute target through further links', async () => {
    // Links come shortest path first (a parent's link before anything below it), then the mounts.
    expect(await mirrorHostPaths([join(root, 'absolute-link.txt')])).toEqual([
      { kind: 'symlink', path: join(root, 'lib'), target: 'real/lib' },
      { kind: 'symlink', path: join(root, 'absolute-link.txt'), target: join(root, 'lib/deep/file.txt') },
      { kind: 'read-only', path: join(root, 'real/lib/deep/file.txt') },
    ]);
  });

  it('drops what a mounted directory shows anyway, and paths that do not exist', async () => {
    const mounts = await mirrorHostPaths([join(root, 'real/lib/deep/file.txt'), join(root, 'real/lib'), join(root, 'missing'), join(root, 'lib/missing')]);
    expect(mounts).toEqual([{ kind: 'read-only', path: join(root, 'real/lib') }]);
  });

  it('refuses relative paths', async () => {
    await expect(mirrorHostPaths(['relative/path'])).rejects.toThrow(/absolute/);
  });
});
