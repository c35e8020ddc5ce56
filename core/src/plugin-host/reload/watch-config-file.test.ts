import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { entriesThatChangeTheFile, watchConfigFile, type ConfigFileWatch } from './watch-config-file.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'acai-watch-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Resolves on the next onChange of a watch of `path`. */
function watchOnce(path: string): { changed: Promise<void>; watch: ConfigFileWatch } {
  let resolve!: () => void;
  const changed = new Promise<void>((done) => (resolve = done));
  const watch = watchConfigFile(path, () => resolve(), { debounceMs: 20 });
  cleanups.push(async () => watch.close());
  return { changed, watch };
}

/**
 * A volume as the kubelet's atomic writer lays it out: the file is a symlink through `..data`, which
 * points at a timestamped folder; an update writes a new folder and renames a new `..data` over the old.
 */
async function kubernetesVolume(dir: string, text: string): Promise<{ path: string; update(text: string): Promise<void> }> {
  let version = 0;
  const writeVersion = async (content: string) => {
    version += 1;
    const folderName = `..2025_03_01_10_00_0${version}.000000000`;
    await mkdir(join(dir, folderName));
    await writeFile(join(dir, folderName, 'plugins.config.json'), content);
    return folderName;
  };
  const first = await writeVersion(text);
  await symlink(first, join(dir, '..data'));
  await symlink('..data/plugins.config.json', join(dir, 'plugins.config.json'));
  return {
    path: join(dir, 'plugins.config.json'),
    async update(content) {
      const next = await writeVersion(content);
      await symlink(next, join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    },
  };
}

describe('watchConfigFile', () => {
  it('reacts to a Kubernetes ConfigMap update, where only the ..data link changes', async () => {
    const volume = await kubernetesVolume(await folder(), '{"plugins":[]}');
    expect([...entriesThatChangeTheFile(volume.path)].sort()).toEqual(['..data', 'plugins.config.json']);
    const { changed } = watchOnce(volume.path);
    await volume.update('{"plugins":[{"name":"datetime","package":"@acai/plugin-datetime"}]}');
    await changed;
  });

  it('reacts to a file replaced by rename, as editors and deploy tools write it', async () => {
    const dir = await folder();
    const path = join(dir, 'plugins.config.json');
    await writeFile(path, '{"plugins":[]}');
    const { changed } = watchOnce(path);
    await writeFile(`${path}.next`, '{"plugins":[ ]}');
    await rename(`${path}.next`, path);
    await changed;
  });

  it('listens for the file, the ..data link and a relative symlink’s first hop, nothing else in the folder', async () => {
    const dir = await folder();
    await mkdir(join(dir, 'releases'));
    await writeFile(join(dir, 'releases', 'current.json'), '{}');
    await symlink('releases/current.json', join(dir, 'plugins.config.json'));
    expect([...entriesThatChangeTheFile(join(dir, 'plugins.config.json'))].sort()).toEqual(['..data', 'plugins.config.json', 'releases']);
    await writeFile(join(dir, 'absolute.json'), '{}');
    await symlink(join(dir, 'releases', 'current.json'), join(dir, 'absolute-link.json'));
    expect([...entriesThatChangeTheFile(join(dir, 'absolute-link.json'))].sort()).toEqual(['..data', 'absolute-link.json']);
    expect([...entriesThatChangeTheFile(join(dir, 'missing.json'))].sort()).toEqual(['..data', 'missing.json']);
  });
});
