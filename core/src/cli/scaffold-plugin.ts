import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLUGIN_NAME_PATTERN, SDK_API_VERSION, SDK_VERSION } from '@acai/plugin-sdk';
import { CliError } from './cli-error.js';

// src/cli and dist/cli are both two levels below core/, so this works from source and from the build.
const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/plugin/', import.meta.url));
const CORE_PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

/** Versions the scaffold pins for its dev tooling (the ones this repo is built and tested with). */
export const SCAFFOLD_DEV_DEPENDENCIES = {
  typescript: '7.0.2',
  vitest: '~4.1.12',
  '@types/node': '^20.19.43',
} as const;

/** Options for {@link scaffoldPlugin}. */
export interface ScaffoldPluginOptions {
  /** Plugin name (PLUGIN_NAME_PATTERN); the package is `acai-plugin-<name>`. */
  name: string;
  /** Target folder; must not exist or be empty. */
  directory: string;
  /**
   * Where the SDK dev dependency comes from: a folder holding @acai/plugin-sdk (installed as `file:`),
   * or a version range from the registry. Default: this host's own SDK folder when it is a local checkout,
   * else `^<major>.0.0`.
   */
  sdk?: string;
  description?: string;
}

/** What {@link scaffoldPlugin} wrote. */
export interface ScaffoldResult {
  directory: string;
  packageName: string;
  files: string[];
  sdkDependency: string;
}

function hostRangeFor(hostVersion: string): string {
  const [major = '0', minor = '0'] = hostVersion.split('.');
  return Number(major) === 0 ? `>=0.${minor}.0 <1.0.0` : `>=${major}.0.0 <${Number(major) + 1}.0.0`;
}

/** The folder of the @acai/plugin-sdk this CLI runs with, when it is a real folder (not inside node_modules). */
async function localSdkFolder(): Promise<string | undefined> {
  try {
    const require = createRequire(import.meta.url);
    const folder = await realpath(dirname(require.resolve('@acai/plugin-sdk/package.json')));
    return folder.split(/[\\/]/).includes('node_modules') ? undefined : folder;
  } catch {
    return undefined;
  }
}

async function resolveSdkDependency(sdk: string | undefined, cwd: string): Promise<string> {
  const sdkMajor = SDK_VERSION.split('.')[0] ?? '1';
  if (sdk === undefined) {
    const folder = await localSdkFolder();
    return folder ? `file:${folder}` : `^${sdkMajor}.0.0`;
  }
  const looksLikePath = sdk.startsWith('.') || isAbsolute(sdk) || sdk.startsWith('file:') || existsSync(resolve(cwd, sdk));
  if (!looksLikePath) return sdk;
  const folder = resolve(cwd, sdk.replace(/^file:/, ''));
  let packageJson: { name?: string };
  try {
    packageJson = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as { name?: string };
  } catch {
    throw new CliError(`--sdk ${sdk}: no package.json in ${folder}; pass the folder of @acai/plugin-sdk or a version like ^${sdkMajor}.0.0`);
  }
  if (packageJson.name !== '@acai/plugin-sdk') {
    throw new CliError(`--sdk ${sdk}: ${folder} holds "${packageJson.name ?? '?'}", not @acai/plugin-sdk`);
  }
  if (!existsSync(join(folder, 'dist', 'index.js'))) {
    throw new CliError(`--sdk ${sdk}: the SDK in ${folder} is not built (no dist/); run \`npx tsc -b\` in the repo first`);
  }
  return `file:${folder}`;
}

function render(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match);
}

async function listTemplates(folder: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listTemplates(join(folder, entry.name), path)));
    else if (entry.name.endsWith('.tmpl')) files.push(path);
  }
  return files.sort();
}

/** Checks a plugin name; the message names the rule. */
export function checkPluginName(name: string): void {
  if (!PLUGIN_NAME_PATTERN.test(name)) {
    throw new CliError(
      `invalid plugin name "${name}": use 2–32 lower-case letters, digits and dashes, starting with a letter and not ending with a dash (e.g. "stock-quotes")`,
      { exitCode: 2 },
    );
  }
}

/**
 * Writes a ready-to-build plugin package: package.json with the `acai` manifest and SDK peer range,
 * one example tool with a strict JSON Schema and typed arguments, a harness test, tsconfig and README.
 */
export async function scaffoldPlugin(options: ScaffoldPluginOptions, cwd: string): Promise<ScaffoldResult> {
  checkPluginName(options.name);
  const directory = resolve(cwd, options.directory);
  try {
    const info = await stat(directory);
    if (!info.isDirectory()) throw new CliError(`${directory} exists and is not a folder`);
    const entries = await readdir(directory);
    if (entries.length > 0) {
      throw new CliError(`${directory} is not empty (${entries.length} entries); choose another --dir or an empty folder`);
    }
  } catch (error) {
    if (CliError.isInstance(error)) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }

  const hostVersion = (JSON.parse(await readFile(CORE_PACKAGE_JSON, 'utf8')) as { version: string }).version;
  const sdkDependency = await resolveSdkDependency(options.sdk, cwd);
  const packageName = `acai-plugin-${options.name}`;
  const description = options.description ?? `Acai tool plugin "${options.name}".`;
  const sdkMajor = SDK_VERSION.split('.')[0] ?? '1';

  const packageJson = {
    name: packageName,
    version: '0.1.0',
    description,
    license: 'MIT',
    type: 'module',
    engines: { node: '>=20.19' },
    sideEffects: false,
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    files: ['dist', 'README.md'],
    keywords: ['acai-plugin'],
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'vitest run',
      prepack: 'npm run build',
    },
    acai: {
      entry: './dist/index.js',
      sdkApi: SDK_API_VERSION,
      hostRange: hostRangeFor(hostVersion),
      network: { hosts: [] as string[] },
      secrets: [] as unknown[],
    },
    peerDependencies: { '@acai/plugin-sdk': `^${sdkMajor}.0.0` },
    devDependencies: {
      '@acai/plugin-sdk': sdkDependency,
      ...SCAFFOLD_DEV_DEPENDENCIES,
    },
  };

  const values = { name: options.name, packageName, description: description.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\*\//g, '*\\/') };
  const written: string[] = [];
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`, 'utf8');
  written.push('package.json');
  for (const template of await listTemplates(TEMPLATE_DIR)) {
    // `gitignore` is stored without its dot: npm would drop a real .gitignore when packing the CLI.
    const target = template.replace(/\.tmpl$/, '').replace(/^gitignore$/, '.gitignore');
    const text = render(await readFile(join(TEMPLATE_DIR, template), 'utf8'), {
      ...values,
      // README text is not a string literal; keep the description as written.
      ...(target === 'README.md' ? { description } : {}),
    });
    await mkdir(dirname(join(directory, target)), { recursive: true });
    await writeFile(join(directory, target), text, 'utf8');
    written.push(target);
  }
  return { directory, packageName, files: written, sdkDependency };
}

/** For messages: the folder relative to where the user is, when that is shorter. */
export function displayPath(path: string, cwd: string): string {
  const relativePath = relative(cwd, path);
  return relativePath !== '' && !relativePath.startsWith('..') && relativePath.length < path.length ? relativePath : path;
}
