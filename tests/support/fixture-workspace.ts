// A temporary folder for suites that need several copies of one fixture plugin under different names
// (a plugin's name is in its code, and an entry must carry that name): each copy is written with its
// name replaced, next to a node_modules link so `@acai/plugin-sdk` resolves as in the repository.
import { readFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const HOSTILE_DIR = fileURLToPath(new URL('../fixtures/hostile-plugins/', import.meta.url));

export interface FixtureWorkspace {
  readonly dir: string;
  readonly configPath: string;
  /** Writes hostile-plugins/<fixture> as plugin `name` (`name: '<fixture>'` in its code replaced); returns its folder. */
  writeVariant(fixture: string, name: string): Promise<string>;
  /** Writes plugins.config.json. */
  writeConfig(plugins: ReadonlyArray<Record<string, unknown>>, defaultPolicy?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function createFixtureWorkspace(): Promise<FixtureWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), 'acai-fixture-ws-'));
  await symlink(REPO_NODE_MODULES, join(dir, 'node_modules'), 'dir');
  const configPath = join(dir, 'plugins.config.json');
  return {
    dir,
    configPath,
    async writeVariant(fixture, name) {
      const folder = join(dir, name);
      await mkdir(folder, { recursive: true });
      const source = await readFile(join(HOSTILE_DIR, fixture, 'index.js'), 'utf8');
      const renamed = source.replaceAll(`name: '${fixture}'`, `name: '${name}'`);
      if (renamed === source && fixture !== name) throw new Error(`fixture ${fixture} does not name itself "${fixture}"`);
      await writeFile(join(folder, 'index.js'), renamed);
      const packageJson = JSON.parse(await readFile(join(HOSTILE_DIR, fixture, 'package.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(folder, 'package.json'), JSON.stringify({ ...packageJson, name: `@acai-fixtures/${name}` }, null, 2));
      return folder;
    },
    async writeConfig(plugins, defaultPolicy) {
      await writeFile(configPath, JSON.stringify(defaultPolicy === undefined ? { plugins } : { defaults: { policy: defaultPolicy }, plugins }, null, 2));
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
