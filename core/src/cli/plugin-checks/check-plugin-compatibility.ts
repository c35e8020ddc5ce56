import {
  checkHostCompatibility,
  checkManifest,
  checkSdkCompatibility,
  checkVersionRange,
  PluginCheckError,
  readPackageJson,
  SDK_PACKAGE_NAME,
} from '@acai/plugin-sdk/host';
import type { PluginEntryConfig } from '../../config/plugins-config.js';
import { HostError } from '../../errors/index.js';
import { resolvePluginPackage } from '../../plugin-host/resolve-plugin-package.js';

/** Whether a configured plugin fits this host, decided without importing its code. */
export interface CompatibilityVerdict {
  /** `yes`: manifest and every range check passed; `no`: a range check failed; `unknown`: the package could not be read. */
  readonly verdict: 'yes' | 'no' | 'unknown';
  readonly version: string | undefined;
  readonly sdkRange: string | undefined;
  readonly hostRange: string | undefined;
  /** Why it is not `yes`, in the host's words. */
  readonly reason?: string;
}

/**
 * The host's own pre-import checks for one entry — resolve, manifest, the operator's version range,
 * the SDK range and the host range (the same functions the loader runs, so the messages are identical).
 * Used where importing is not wanted, e.g. for disabled plugins in `acai plugin list`. An MCP server's
 * version is only known once it runs, so its verdict without starting it is `unknown`.
 */
export async function checkPluginCompatibility(
  entry: PluginEntryConfig,
  options: { configDir: string; dataDir: string; hostVersion: string; label: string; installDir?: string | undefined },
): Promise<CompatibilityVerdict> {
  if (entry.source.kind === 'mcp') return { verdict: 'unknown', version: undefined, sdkRange: undefined, hostRange: undefined };
  const source = `${options.label} › ${entry.name}`;
  let packageJson;
  try {
    const resolved = await resolvePluginPackage(entry, options.configDir, options.dataDir, source, options.installDir);
    packageJson = checkManifest(await readPackageJson(resolved.packageJsonPath), `${source} (${resolved.description})`);
  } catch (error) {
    return { verdict: 'unknown', version: undefined, sdkRange: undefined, hostRange: undefined, reason: describe(error) };
  }
  const facts = { version: packageJson.version, sdkRange: packageJson.peerDependencies?.[SDK_PACKAGE_NAME], hostRange: packageJson.acai.hostRange };
  const named = `${source} (${packageJson.name}@${packageJson.version})`;
  try {
    checkVersionRange(packageJson, entry.version, named);
    checkSdkCompatibility(packageJson, named);
    checkHostCompatibility(packageJson, options.hostVersion, named);
  } catch (error) {
    return { verdict: 'no', ...facts, reason: describe(error) };
  }
  return { verdict: 'yes', ...facts };
}

function describe(error: unknown): string {
  if (PluginCheckError.isInstance(error) || HostError.isInstance(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}
