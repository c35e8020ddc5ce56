import { readFile } from 'node:fs/promises';
import semver from 'semver';
import { pluginPackageJsonSchema, type PluginPackageJson } from '../manifest.js';
import { createSchemaCompiler, toCheckProblems } from './create-schema-compiler.js';
import { formatProblems, PluginCheckError, type CheckProblem } from './plugin-check-error.js';

/** The package name of the SDK, as plugins name it in `peerDependencies`. */
export const SDK_PACKAGE_NAME = '@acai/plugin-sdk';

let validatePackageJson: ReturnType<ReturnType<typeof createSchemaCompiler>['compile']> | undefined;

/**
 * Check "manifest shape": the package.json has a name, a semver version and a valid `acai` block
 * (entry, sdkApi, a parsable hostRange, host names, secrets) and a peer range on the SDK.
 * Throws PLUGIN_MANIFEST_INVALID listing every problem; returns the typed package.json.
 */
export function checkManifest(packageJson: unknown, source: string): PluginPackageJson {
  validatePackageJson ??= createSchemaCompiler().compile(pluginPackageJsonSchema);
  // Validate a copy: the compiler fills defaults and must not touch the caller's object.
  const candidate = structuredClone(packageJson);
  const problems: CheckProblem[] = validatePackageJson(candidate) ? [] : toCheckProblems(validatePackageJson.errors);
  const value = (typeof candidate === 'object' && candidate !== null ? candidate : {}) as Partial<PluginPackageJson>;
  if (typeof value.version === 'string' && semver.valid(value.version) === null) {
    problems.push({ pointer: '/version', message: `"${value.version}" is not a semver version` });
  }
  const hostRange = value.acai?.hostRange;
  if (typeof hostRange === 'string' && semver.validRange(hostRange) === null) {
    problems.push({ pointer: '/acai/hostRange', message: `"${hostRange}" is not a semver range` });
  }
  const peerRange = value.peerDependencies?.[SDK_PACKAGE_NAME];
  if (peerRange === undefined) {
    problems.push({
      pointer: '/peerDependencies',
      message: `must name "${SDK_PACKAGE_NAME}" with the SDK range the plugin works with (e.g. "^1.0.0")`,
    });
  } else if (semver.validRange(peerRange) === null) {
    problems.push({ pointer: `/peerDependencies/${SDK_PACKAGE_NAME.replace('/', '~1')}`, message: `"${peerRange}" is not a semver range` });
  }
  if (problems.length > 0) {
    throw new PluginCheckError(
      'PLUGIN_MANIFEST_INVALID',
      `${source}: invalid plugin manifest: ${formatProblems(problems)}. Fix the plugin's package.json (see the "acai" block in the SDK README).`,
      { problems },
    );
  }
  return value as PluginPackageJson;
}

/** Reads and parses a package.json; a missing or unparsable file is an invalid manifest. */
export async function readPackageJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PluginCheckError('PLUGIN_MANIFEST_INVALID', `${path}: cannot read package.json (${(error as Error).message})`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PluginCheckError('PLUGIN_MANIFEST_INVALID', `${path}: package.json is not valid JSON (${(error as Error).message})`, { cause: error });
  }
}
