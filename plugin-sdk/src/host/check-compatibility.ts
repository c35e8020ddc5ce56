import semver from 'semver';
import type { PluginPackageJson } from '../manifest.js';
import { SDK_API_VERSION, SDK_VERSION } from '../version.js';
import { SDK_PACKAGE_NAME } from './check-manifest.js';
import { PluginCheckError } from './plugin-check-error.js';

/** Check "operator range": the package version is inside the range the operator accepts. */
export function checkVersionRange(packageJson: PluginPackageJson, acceptedRange: string | undefined, source: string): void {
  if (acceptedRange === undefined) return;
  if (semver.satisfies(packageJson.version, acceptedRange, { includePrerelease: true })) return;
  throw new PluginCheckError(
    'PLUGIN_VERSION_MISMATCH',
    `${source}: ${packageJson.name}@${packageJson.version} is outside the accepted version range "${acceptedRange}". ` +
      `Install a version that satisfies "${acceptedRange}" or widen "version" in plugins.config.json.`,
  );
}

/** Check "SDK range": the plugin's SDK API major and peer range both accept this SDK. */
export function checkSdkCompatibility(packageJson: PluginPackageJson, source: string, sdkVersion: string = SDK_VERSION): void {
  const sdkApi = sdkVersion === SDK_VERSION ? SDK_API_VERSION : String(semver.major(sdkVersion));
  if (packageJson.acai.sdkApi !== sdkApi) {
    throw new PluginCheckError(
      'PLUGIN_SDK_MISMATCH',
      `${source}: ${packageJson.name}@${packageJson.version} targets SDK API ${packageJson.acai.sdkApi}, but this host implements SDK API ${sdkApi} (${SDK_PACKAGE_NAME}@${sdkVersion}). ` +
        `Use a plugin release built for SDK API ${sdkApi}.`,
    );
  }
  const peerRange = packageJson.peerDependencies?.[SDK_PACKAGE_NAME];
  if (peerRange !== undefined && !semver.satisfies(sdkVersion, peerRange, { includePrerelease: true })) {
    throw new PluginCheckError(
      'PLUGIN_SDK_MISMATCH',
      `${source}: ${packageJson.name}@${packageJson.version} needs ${SDK_PACKAGE_NAME} "${peerRange}", but this host provides ${SDK_PACKAGE_NAME}@${sdkVersion}. ` +
        `Use a plugin release whose peer range includes ${sdkVersion}, or a host with a matching SDK.`,
    );
  }
}

/** Check "host range": the plugin's `acai.hostRange` accepts this host's version. */
export function checkHostCompatibility(packageJson: PluginPackageJson, hostVersion: string, source: string): void {
  const hostRange = packageJson.acai.hostRange;
  if (hostRange === undefined) return;
  if (semver.satisfies(hostVersion, hostRange, { includePrerelease: true })) return;
  throw new PluginCheckError(
    'PLUGIN_HOST_MISMATCH',
    `${source}: ${packageJson.name}@${packageJson.version} works with Acai hosts "${hostRange}", but this host is ${hostVersion}. ` +
      `Use a plugin release whose acai.hostRange includes ${hostVersion}, or upgrade the host.`,
  );
}
