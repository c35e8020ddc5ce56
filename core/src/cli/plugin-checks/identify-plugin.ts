import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PLUGIN_NAME_PATTERN, type PluginPermissions } from '@acai/plugin-sdk';
import { readPackageJson } from '@acai/plugin-sdk/host';
import type { Logger } from 'pino';
import type { SandboxSetting } from '../../config/isolation-modes.js';
import { parsePluginsConfig, type PluginEntryConfig } from '../../config/plugins-config.js';
import type { InstalledRelease } from '../../config/supply-chain-config.js';
import { isEmptyPermissionSet, isFirstPartyPackage, readDeclaredPluginName, toPermissionsBlock, toPermissionSet, type PermissionSet, type SandboxSettings } from '../../plugin-host/index.js';
import { resolvePluginPackage } from '../../plugin-host/resolve-plugin-package.js';
import type { ProtectedPath } from '../../plugin-host/sandbox/index.js';
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
  /** What it asks the operator for (its manifest's acai.permissions, or the MCP block's permissions). */
  readonly request: PermissionSet;
  /** Shipped with the host (see isFirstPartyPackage): granted what it asks for without a prompt. */
  readonly isFirstParty: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `@acai/plugin-weather` → `weather`, `acai-plugin-stock-quotes` → `stock-quotes`. */
export function guessPluginName(packageName: string | undefined): string {
  const bare = (packageName ?? '').replace(/^@[^/]+\//, '').replace(/^(acai-)?plugin-/, '');
  const cleaned = bare.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, 32).replace(/-+$/, '');
  return PLUGIN_NAME_PATTERN.test(cleaned) ? cleaned : 'plugin';
}

/** A plugins.config.json entry for `source`, parsed by the host's own config loader (with `grant` as its permissions). */
export function entryFor(
  name: string,
  source: PluginSourceSpec,
  options: {
    configPath: string;
    env: Env;
    config?: Record<string, unknown>;
    policy?: Record<string, unknown>;
    installed?: InstalledRelease;
    grant?: PermissionSet;
    /** The entry's `sandbox` (undefined: the host's default). */
    sandbox?: SandboxSetting | undefined;
  },
): PluginEntryConfig {
  const document = {
    ...(options.policy ? { defaults: { policy: options.policy } } : {}),
    plugins: [
      {
        name,
        ...sourceFields(source),
        ...(options.config ? { config: options.config } : {}),
        ...(options.installed ? { installed: options.installed } : {}),
        // Granting nothing needs no block (and an MCP server behind a URL may not have one).
        ...(options.grant === undefined || isEmptyPermissionSet(options.grant) ? {} : { permissions: toPermissionsBlock(options.grant) }),
        ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
      },
    ],
  };
  return parsePluginsConfig(document, { path: options.configPath, env: options.env }).plugins[0]!;
}

/** What {@link identifyPlugin} needs: where the entry would live, and how to run a stranger's code to learn its name. */
export interface IdentifyOptions {
  readonly configPath: string;
  readonly configDir: string;
  readonly dataDir: string;
  readonly env: Env;
  readonly logger: Logger;
  readonly sandbox?: SandboxSettings;
  /** The entry's `sandbox`: `none` imports the package in this process (the operator's opt-out), `bubblewrap` always in a sandbox. */
  readonly entrySandbox?: SandboxSetting;
  /** What the sandbox may not show (default: the host's protected paths). */
  readonly protectedPaths?: readonly ProtectedPath[];
  /** How long importing it in the sandbox may take (default: a worker's default hard deadline). */
  readonly hardDeadlineMs?: number;
}

/**
 * Finds the name a plugin package declares, which its plugins.config.json entry must use, and what it asks
 * for: resolves the package like the host (extracting tarballs into `dataDir`), reads its manifest and
 * imports its entry (a third-party one only inside a sandbox without permissions). Never throws: when any
 * step fails the name is guessed and the host's checks report the failure.
 */
export async function identifyPlugin(source: PluginSourceSpec, options: IdentifyOptions): Promise<PluginIdentity> {
  // An MCP server has no package: its name is the operator's (`--name`), its request in its block.
  if (source.kind === 'mcp') {
    return { name: source.name, isDeclared: false, packageName: undefined, version: undefined, secretKeys: [], request: readRequest(source.mcp['permissions'], undefined), isFirstParty: false };
  }
  let packageName: string | undefined;
  let version: string | undefined;
  let secretKeys: string[] = [];
  let request = toPermissionSet(undefined);
  let isFirstParty = false;
  try {
    const provisional = entryFor('provisional', source, { configPath: options.configPath, env: options.env });
    const resolved = await resolvePluginPackage(provisional, options.configDir, options.dataDir, 'inspection');
    const packageJson = (await readPackageJson(resolved.packageJsonPath)) as {
      name?: unknown;
      version?: unknown;
      acai?: { entry?: unknown; secrets?: unknown; permissions?: unknown; network?: { hosts?: unknown } };
    };
    packageName = typeof packageJson.name === 'string' ? packageJson.name : undefined;
    version = typeof packageJson.version === 'string' ? packageJson.version : undefined;
    request = readRequest(packageJson.acai?.permissions, packageJson.acai?.network?.hosts);
    isFirstParty = packageName !== undefined && (await isFirstPartyPackage(resolved.packageDir, packageName));
    const secrets = packageJson.acai?.secrets;
    if (Array.isArray(secrets)) secretKeys = secrets.map((secret: { key?: unknown }) => secret?.key).filter((key): key is string => typeof key === 'string');
    const entry = packageJson.acai?.entry;
    if (typeof entry === 'string') {
      const entryPath = resolve(resolved.packageDir, entry);
      await access(entryPath);
      const declared = await readDeclaredPluginName({
        packageDir: resolved.packageDir,
        entryPath,
        // Where the host would run it (placePackage): first-party code here, anything else in a sandbox, unless the entry says otherwise.
        inProcess: options.entrySandbox === undefined ? isFirstParty : options.entrySandbox === 'none',
        dataDir: options.dataDir,
        configPath: options.configPath,
        logger: options.logger,
        ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
        ...(options.protectedPaths === undefined ? {} : { protectedPaths: options.protectedPaths }),
        ...(options.hardDeadlineMs === undefined ? {} : { hardDeadlineMs: options.hardDeadlineMs }),
      });
      if (declared !== undefined && PLUGIN_NAME_PATTERN.test(declared)) return { name: declared, isDeclared: true, packageName, version, secretKeys, request, isFirstParty };
    }
  } catch {
    // The host's checks run next and explain what is wrong in their own words.
  }
  return { name: guessPluginName(packageName ?? (source.kind === 'package' ? source.package : undefined)), isDeclared: false, packageName, version, secretKeys, request, isFirstParty };
}

/**
 * A network host as plugins.config.json accepts it in a grant (the pattern of core/schemas/plugins.config.schema.json).
 * The request becomes the stand-in entry's grant, so a malformed host would make the whole stand-in config invalid
 * instead of letting the manifest check name the plugin's mistake.
 */
const GRANTABLE_HOST = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*(:[0-9]{1,5})?$/;

/** A request as written, taken leniently (the host's manifest check reports a malformed one). */
function readRequest(permissions: unknown, legacyHosts: unknown): PermissionSet {
  const block = typeof permissions === 'object' && permissions !== null ? (permissions as Record<string, unknown>) : {};
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
  const hosts = (value: unknown): string[] => strings(value).filter((host) => GRANTABLE_HOST.test(host));
  const scratch = block['scratch'] as { sizeMb?: unknown } | undefined;
  const normalized: PluginPermissions = {
    network: hosts(block['network']),
    env: strings(block['env']),
    read: strings(block['read']).filter((path) => path.startsWith('/')),
    ...(typeof scratch?.sizeMb === 'number' ? { scratch: { sizeMb: scratch.sizeMb } } : {}),
    processes: block['processes'] === true,
  };
  return toPermissionSet(normalized, hosts(legacyHosts));
}
