import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PLUGIN_NAME_PATTERN } from '@acai/plugin-sdk';
import { readPackageJson } from '@acai/plugin-sdk/host';
import { parsePluginsConfig, type PluginEntryConfig } from '../../config/plugins-config.js';
import type { InstalledRelease } from '../../config/supply-chain-config.js';
import { resolvePluginPackage } from '../../plugin-host/resolve-plugin-package.js';
import { sourceFields, type PluginSourceSpec } from './parse-plugin-source.js';

/** What the CLI learns about a plugin package before the host's checks run. */
export interface PluginIdentity {
  /** The name its definePlugin declares, or a best guess from the package name when it cannot be imported. */
  readonly name: string;
  /** True when `name` came from the plugin's own code. */
  readonly isDeclared: boolean;
  readonly packageName: string | undefined;
  readonly version: string | undefined;
  /** Config keys the manifest declares as secrets. */
  readonly secretKeys: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** `@acai/plugin-weather` → `weather`, `acai-plugin-stock-quotes` → `stock-quotes`. */
export function guessPluginName(packageName: string | undefined): string {
  const bare = (packageName ?? '').replace(/^@[^/]+\//, '').replace(/^(acai-)?plugin-/, '');
  const cleaned = bare.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, 32).replace(/-+$/, '');
  return PLUGIN_NAME_PATTERN.test(cleaned) ? cleaned : 'plugin';
}

/** A plugins.config.json entry for `source`, parsed by the host's own config loader. */
export function entryFor(
  name: string,
  source: PluginSourceSpec,
  options: { configPath: string; env: Env; config?: Record<string, unknown>; policy?: Record<string, unknown>; installed?: InstalledRelease },
): PluginEntryConfig {
  const document = {
    ...(options.policy ? { defaults: { policy: options.policy } } : {}),
    plugins: [{ name, ...sourceFields(source), ...(options.config ? { config: options.config } : {}), ...(options.installed ? { installed: options.installed } : {}) }],
  };
  return parsePluginsConfig(document, { path: options.configPath, env: options.env }).plugins[0]!;
}

/**
 * Finds the name a plugin package declares, which its plugins.config.json entry must use: resolves the
 * package like the host (extracting tarballs into `dataDir`), reads its manifest and imports its entry.
 * Never throws: when any step fails the name is guessed and the host's checks report the failure.
 */
export async function identifyPlugin(source: PluginSourceSpec, options: { configPath: string; configDir: string; dataDir: string; env: Env }): Promise<PluginIdentity> {
  // An MCP server has no package: its name is the operator's (`--name`).
  if (source.kind === 'mcp') return { name: source.name, isDeclared: false, packageName: undefined, version: undefined, secretKeys: [] };
  let packageName: string | undefined;
  let version: string | undefined;
  let secretKeys: string[] = [];
  try {
    const provisional = entryFor('provisional', source, options);
    const resolved = await resolvePluginPackage(provisional, options.configDir, options.dataDir, 'inspection');
    const packageJson = (await readPackageJson(resolved.packageJsonPath)) as { name?: unknown; version?: unknown; acai?: { entry?: unknown; secrets?: unknown } };
    packageName = typeof packageJson.name === 'string' ? packageJson.name : undefined;
    version = typeof packageJson.version === 'string' ? packageJson.version : undefined;
    const secrets = packageJson.acai?.secrets;
    if (Array.isArray(secrets)) secretKeys = secrets.map((secret: { key?: unknown }) => secret?.key).filter((key): key is string => typeof key === 'string');
    const entry = packageJson.acai?.entry;
    if (typeof entry === 'string') {
      const entryPath = resolve(resolved.packageDir, entry);
      await access(entryPath);
      const module = (await import(pathToFileURL(entryPath).href)) as { default?: { name?: unknown } };
      const declared = module.default?.name;
      if (typeof declared === 'string' && PLUGIN_NAME_PATTERN.test(declared)) return { name: declared, isDeclared: true, packageName, version, secretKeys };
    }
  } catch {
    // The host's checks run next and explain what is wrong in their own words.
  }
  return { name: guessPluginName(packageName ?? (source.kind === 'package' ? source.package : undefined)), isDeclared: false, packageName, version, secretKeys };
}
