import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const PUBLISHED = ['plugin-sdk', 'plugins/datetime', 'plugins/weather', 'plugins/holidays'] as const;

interface PackageJson {
  name: string;
  version: string;
  exports: Record<string, unknown>;
  peerDependencies?: Record<string, string>;
  acai?: { entry: string; sdkApi: string };
}

function readPackage(directory: string): PackageJson {
  return JSON.parse(readFileSync(`${ROOT}${directory}/package.json`, 'utf8')) as PackageJson;
}

const packedFilesByDirectory = new Map<string, Promise<string[]>>();

/** The files `npm pack` would publish (the build ran before the suite); npm runs once per package. */
function packedFiles(directory: string): Promise<string[]> {
  let packed = packedFilesByDirectory.get(directory);
  if (packed === undefined) {
    packed = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: `${ROOT}${directory}` }).then(({ stdout }) => {
      const [report] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
      return (report?.files ?? []).map((file) => file.path);
    });
    packedFilesByDirectory.set(directory, packed);
  }
  return packed;
}

describe.each(PUBLISHED)('the published package %s', (directory) => {
  const packageJson = readPackage(directory);

  it('passes publint with no errors, warnings or suggestions', async () => {
    const { messages, pkg } = await publint({ pkgDir: `${ROOT}${directory}`, level: 'suggestion', strict: true, pack: 'npm' });
    expect(messages.map((message) => formatMessage(message, pkg) ?? message.code)).toEqual([]);
  });

  it('publishes its built entry points with declarations and README, but no tests or build state', async () => {
    const files = await packedFiles(directory);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']));
    expect(files.filter((file) => /\.test\.|\.tsbuildinfo$/.test(file))).toEqual([]);
  });

  it('lists types before the runtime file in every export condition set', () => {
    for (const [subpath, target] of Object.entries(packageJson.exports)) {
      if (typeof target !== 'object' || target === null) continue;
      const conditions = Object.keys(target).filter((condition) => condition !== '@acai/source');
      expect(conditions, subpath).toEqual(['types', 'default']);
    }
  });
});

describe('first-party plugin packages', () => {
  const sdk = readPackage('plugin-sdk');

  it.each(PUBLISHED.filter((directory) => directory.startsWith('plugins/')))(
    '%s declares an SDK peer range that includes the SDK in this repository and a built entry',
    async (directory) => {
      const packageJson = readPackage(directory);
      const peerRange = packageJson.peerDependencies?.['@acai/plugin-sdk'];
      expect(peerRange).toBeDefined();
      expect(semver.satisfies(sdk.version, peerRange ?? '')).toBe(true);
      expect(packageJson.acai?.sdkApi).toBe(String(semver.major(sdk.version)));
      expect(await packedFiles(directory)).toContain(packageJson.acai?.entry.replace(/^\.\//, ''));
    },
  );
});
