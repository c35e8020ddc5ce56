import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLUGIN_NAME_PATTERN, SDK_API_VERSION, SDK_VERSION } from '@acai/plugin-sdk';
import { ScaffoldError } from './scaffold-error.js';

// src/ and dist/ are both one level below the package root, so this works from source and from the build.
const TEMPLATE_DIR = fileURLToPath(new URL('../templates/plugin/', import.meta.url));
const OWN_PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));

/**
 * The host version this release of create-acai-plugin scaffolds for. It is released in lockstep with
 * the host (@acai/core), so its own version is the host's (see docs/releasing.md).
 */
export const SCAFFOLD_HOST_VERSION: string = (JSON.parse(readFileSync(OWN_PACKAGE_JSON, 'utf8')) as { version: string }).version;

/** Versions the scaffold pins for its dev tooling (the ones the Acai repository is built and tested with). */
export const SCAFFOLD_DEV_DEPENDENCIES = {
  typescript: '7.0.2',
  vitest: '~4.1.12',
  '@types/node': '^20.19.43',
} as const;

/** The file `acai plugin sign` writes into a plugin package; listed in the scaffold's `files` so it is published. */
export const SIGNATURE_FILE_NAME = 'acai-signature.json';

/** Options for {@link scaffoldPlugin}. */
export interface ScaffoldPluginOptions {
  /** Plugin name (PLUGIN_NAME_PATTERN); the package is `acai-plugin-<name>`. */
  readonly name: string;
  /** Target folder; must not exist or be empty. */
  readonly directory: string;
  /**
   * Where the SDK dev dependency comes from, as given by the user: a folder holding @acai/plugin-sdk
   * (written as `file:`) or a registry range. Default: `^<SDK major>.0.0` from the registry.
   */
  readonly sdk?: string;
  /** The host version the plugin's `acai.hostRange` is derived from. Default: {@link SCAFFOLD_HOST_VERSION}. */
  readonly hostVersion?: string;
  readonly description?: string;
  /** Copyright holder in LICENSE and `author` in package.json. Default: "the <package> authors". */
  readonly author?: string;
  /** Year in LICENSE (default: this year). */
  readonly year?: number;
}

/** What {@link scaffoldPlugin} wrote. */
export interface ScaffoldResult {
  readonly directory: string;
  readonly packageName: string;
  readonly files: readonly string[];
  readonly sdkDependency: string;
}

/** `acai.hostRange` for a host version: the host's major (or, for 0.x, its minor) line. */
export function hostRangeFor(hostVersion: string): string {
  const [major = '0', minor = '0'] = hostVersion.split('.');
  return Number(major) === 0 ? `>=0.${minor}.0 <1.0.0` : `>=${major}.0.0 <${Number(major) + 1}.0.0`;
}

/** The SDK dev dependency for `--sdk`: a registry range as given, or `file:<folder>` after checking the folder holds a built SDK. */
export async function resolveSdkDependency(sdk: string | undefined, cwd: string): Promise<string> {
  const sdkMajor = SDK_VERSION.split('.')[0] ?? '1';
  if (sdk === undefined) return `^${sdkMajor}.0.0`;
  const looksLikePath = sdk.startsWith('.') || isAbsolute(sdk) || sdk.startsWith('file:') || existsSync(resolve(cwd, sdk));
  if (!looksLikePath) return sdk;
  const folder = resolve(cwd, sdk.replace(/^file:/, ''));
  let packageJson: { name?: string };
  try {
    packageJson = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as { name?: string };
  } catch {
    throw new ScaffoldError(`--sdk ${sdk}: no package.json in ${folder}; pass the folder of @acai/plugin-sdk or a version like ^${sdkMajor}.0.0`);
  }
  if (packageJson.name !== '@acai/plugin-sdk') {
    throw new ScaffoldError(`--sdk ${sdk}: ${folder} holds "${packageJson.name ?? '?'}", not @acai/plugin-sdk`);
  }
  if (!existsSync(join(folder, 'dist', 'index.js'))) {
    throw new ScaffoldError(`--sdk ${sdk}: the SDK in ${folder} is not built (no dist/); run \`npx tsc -b\` in the repo first`);
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

/**
 * Where a template lands: `.tmpl` dropped, and the dot put back on `gitignore` and `github/`, which
 * are stored without it because npm leaves dotfiles like .gitignore out of the published package.
 */
function targetOf(template: string): string {
  return template
    .replace(/\.tmpl$/, '')
    .replace(/^gitignore$/, '.gitignore')
    .replace(/^github\//, '.github/');
}

/** Checks a plugin name; the message names the rule. */
export function checkPluginName(name: string): void {
  if (!PLUGIN_NAME_PATTERN.test(name)) {
    throw new ScaffoldError(
      `invalid plugin name "${name}": use 2–32 lower-case letters, digits and dashes, starting with a letter and not ending with a dash (e.g. "stock-quotes")`,
      { isUsage: true },
    );
  }
}

async function checkEmptyFolder(directory: string): Promise<void> {
  try {
    const info = await stat(directory);
    if (!info.isDirectory()) throw new ScaffoldError(`${directory} exists and is not a folder`);
    const entries = await readdir(directory);
    if (entries.length > 0) {
      throw new ScaffoldError(`${directory} is not empty (${entries.length} entries); choose another --dir or an empty folder`);
    }
  } catch (error) {
    if (ScaffoldError.isInstance(error)) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** A string put between single quotes in TypeScript source and inside a `/** … *\/` comment. */
function forStringLiteral(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\*\//g, '*\\/');
}

/**
 * Writes a ready-to-build plugin package: package.json with the `acai` manifest and SDK peer range,
 * one example tool with a strict JSON Schema and typed arguments, a harness test, tsconfig, README,
 * LICENSE, CHANGELOG and a CI workflow.
 */
export async function scaffoldPlugin(options: ScaffoldPluginOptions, cwd: string): Promise<ScaffoldResult> {
  checkPluginName(options.name);
  const directory = resolve(cwd, options.directory);
  await checkEmptyFolder(directory);

  const sdkDependency = await resolveSdkDependency(options.sdk, cwd);
  const packageName = `acai-plugin-${options.name}`;
  const description = options.description ?? `Acai tool plugin "${options.name}".`;
  const author = options.author ?? `The ${packageName} authors`;
  const sdkMajor = SDK_VERSION.split('.')[0] ?? '1';

  const packageJson = {
    name: packageName,
    version: '0.1.0',
    description,
    license: 'MIT',
    author,
    type: 'module',
    engines: { node: '>=20.19' },
    sideEffects: false,
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    files: ['dist', 'README.md', 'CHANGELOG.md', 'LICENSE', SIGNATURE_FILE_NAME],
    keywords: ['acai-plugin'],
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'vitest run',
      prepack: 'npm run build',
    },
    acai: {
      entry: './dist/index.js',
      sdkApi: SDK_API_VERSION,
      hostRange: hostRangeFor(options.hostVersion ?? SCAFFOLD_HOST_VERSION),
      network: { hosts: [] as string[] },
      secrets: [] as unknown[],
    },
    peerDependencies: { '@acai/plugin-sdk': `^${sdkMajor}.0.0` },
    devDependencies: {
      '@acai/plugin-sdk': sdkDependency,
      ...SCAFFOLD_DEV_DEPENDENCIES,
    },
  };

  const values = {
    name: options.name,
    packageName,
    description: forStringLiteral(description),
    author,
    year: String(options.year ?? new Date().getFullYear()),
    sdkMajor,
    signatureFile: SIGNATURE_FILE_NAME,
  };
  const written: string[] = [];
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`, 'utf8');
  written.push('package.json');
  for (const template of await listTemplates(TEMPLATE_DIR)) {
    const target = targetOf(template);
    const text = render(await readFile(join(TEMPLATE_DIR, template), 'utf8'), {
      ...values,
      // Prose (README, CHANGELOG) keeps the description as written; only source files need it escaped.
      ...(target.endsWith('.md') ? { description } : {}),
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
