import { execFile } from 'node:child_process';
import { mkdtemp, readFileSync, rm } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCAFFOLD_HOST_VERSION, SIGNATURE_FILE_NAME as SCAFFOLD_SIGNATURE_FILE } from '../../create-acai-plugin/src/index.js';
import { SIGNATURE_FILE_NAME } from '../../core/src/plugin-host/signatures/package-signature.js';

const run = promisify(execFile);
const makeTemporaryFolder = promisify(mkdtemp);
const ROOT = new URL('../../', import.meta.url).pathname;
const PUBLISHED = ['plugin-sdk', 'create-acai-plugin', 'core', 'cli', 'plugins/datetime', 'plugins/weather', 'plugins/holidays'] as const;
/** What each package's entry points must be: the published file that `exports["."]` (or the bin) names. */
const ENTRY_FILES: Record<(typeof PUBLISHED)[number], readonly string[]> = {
  'plugin-sdk': ['dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js'],
  'create-acai-plugin': ['bin/create-acai-plugin.js', 'dist/index.js', 'dist/index.d.ts', 'dist/main.js', 'templates/plugin/README.md.tmpl', 'templates/plugin/github/workflows/ci.yml.tmpl'],
  core: ['bin/acai.js', 'dist/cli/main.js', 'dist/cli/main.d.ts', 'schemas/plugins.config.schema.json'],
  cli: ['bin/acai.js', 'dist/acai.js'],
  'plugins/datetime': ['dist/index.js', 'dist/index.d.ts'],
  'plugins/weather': ['dist/index.js', 'dist/index.d.ts'],
  'plugins/holidays': ['dist/index.js', 'dist/index.d.ts'],
};

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  exports: Record<string, unknown>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  acai?: { entry: string; sdkApi: string };
}

function readPackage(directory: string): PackageJson {
  return JSON.parse(readFileSync(`${ROOT}${directory}/package.json`, 'utf8')) as PackageJson;
}

let packs: string;
beforeAll(async () => {
  packs = await makeTemporaryFolder(join(tmpdir(), 'acai-packs-'));
});
afterAll(() => {
  rm(packs, { recursive: true, force: true }, () => {});
});

const packsByDirectory = new Map<string, Promise<{ tarball: string; files: string[] }>>();

/** `npm pack` of the built workspace (the suite built it first, so prepack is not run again); once per package. */
function pack(directory: string): Promise<{ tarball: string; files: string[] }> {
  let packed = packsByDirectory.get(directory);
  if (packed === undefined) {
    packed = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packs], { cwd: `${ROOT}${directory}` }).then(({ stdout }) => {
      const [report] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
      return { tarball: join(packs, basename(report!.filename)), files: report!.files.map((file) => file.path) };
    });
    packsByDirectory.set(directory, packed);
  }
  return packed;
}

describe.each(PUBLISHED)('the published package %s', (directory) => {
  const packageJson = readPackage(directory);

  it('is publishable and builds itself before packing', () => {
    expect(packageJson.private).not.toBe(true);
    expect(packageJson.scripts?.prepack).toMatch(/tsc -b/);
  });

  it('passes publint with no errors, warnings or suggestions', async () => {
    const { messages, pkg } = await publint({ pkgDir: `${ROOT}${directory}`, level: 'suggestion', strict: true, pack: 'npm' });
    expect(messages.map((message) => formatMessage(message, pkg) ?? message.code)).toEqual([]);
  });

  it('publishes its built entry points with README, but no tests or build state', async () => {
    const { files } = await pack(directory);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', ...ENTRY_FILES[directory]]));
    // (templates/…/index.test.ts.tmpl is the scaffold's test, a template, not a test of this package)
    expect(files.filter((file) => /\.test\.[cm]?[jt]s$|\.tsbuildinfo$/.test(file))).toEqual([]);
  });

  it('resolves its types correctly for ESM consumers (@arethetypeswrong/cli, esm-only profile)', async () => {
    const { tarball } = await pack(directory);
    // attw exits non-zero when a problem its profile counts is found; esm-only leaves out CommonJS and node10 resolution.
    const result = await run(`${ROOT}node_modules/.bin/attw`, [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-definitely-typed'], { cwd: packs }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(result, result.stdout).toMatchObject({ code: 0 });
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
      expect((await pack(directory)).files).toContain(packageJson.acai?.entry.replace(/^\.\//, ''));
    },
  );
});

describe('versions that must agree across packages (docs/releasing.md)', () => {
  const core = readPackage('core');

  it('@acai/cli pins the exact @acai/core of this checkout', () => {
    expect(readPackage('cli').dependencies).toEqual({ '@acai/core': core.version });
  });

  it('create-acai-plugin is released with the host: same version, so its scaffolds accept this host', () => {
    expect(readPackage('create-acai-plugin').version).toBe(core.version);
    expect(SCAFFOLD_HOST_VERSION).toBe(core.version);
    expect(semver.satisfies(readPackage('plugin-sdk').version, readPackage('create-acai-plugin').dependencies?.['@acai/plugin-sdk'] ?? '')).toBe(true);
  });

  it('the scaffold publishes the signature file the host verifies', () => {
    expect(SCAFFOLD_SIGNATURE_FILE).toBe(SIGNATURE_FILE_NAME);
  });

  it('@acai/core depends on the SDK and scaffold of this checkout', () => {
    expect(semver.satisfies(readPackage('plugin-sdk').version, core.dependencies?.['@acai/plugin-sdk'] ?? '')).toBe(true);
    expect(semver.satisfies(readPackage('create-acai-plugin').version, core.dependencies?.['create-acai-plugin'] ?? '')).toBe(true);
  });
});
