import { resolve } from 'node:path';

/**
 * The supply-chain parts of plugins.config.json: where `acai plugin add` installs packages, the
 * release each entry was installed at (version and integrity), and the signature policy. Kept in one
 * small module so the config loader only hands them through.
 */

/** What the host does about package signatures: `off` (not checked), `warn` (log unsigned/untrusted), `required` (refuse them). */
export type SignaturePolicy = 'off' | 'warn' | 'required';

/** The operator's signature settings (`signatures` in plugins.config.json). */
export interface SignatureSettings {
  readonly policy: SignaturePolicy;
  /** Absolute path of the trust store: a folder of Ed25519 public keys (`*.pub`, PEM). */
  readonly trustedKeysDir: string;
}

/** The release an entry was installed at by `acai plugin add`/`upgrade` (`installed` in plugins.config.json). */
export interface InstalledRelease {
  /** The exact version installed (the range in `version` may allow newer ones). */
  readonly version: string;
  /** The package archive's `sha512-…` integrity, as the registry published it. */
  readonly integrity: string;
  /** The registry it came from when not npm's configured default. */
  readonly registry?: string;
}

/** Entry fields of the supply chain, as PluginEntryConfig carries them. */
export interface EntrySupplyChain {
  readonly installed?: InstalledRelease;
  /** A release the operator accepts although it breaks tool schemas without a major version bump. */
  readonly acceptBreakingRelease?: string;
}

/** File-level settings of the supply chain, as PluginsConfig carries them. */
export interface SupplyChainSettings {
  /** Absolute path of the folder plugins are installed into (default `<config dir>/acai-plugins`). */
  readonly installDir: string;
  readonly signatures: SignatureSettings;
}

/** The default install folder's name, next to plugins.config.json. */
export const DEFAULT_INSTALL_DIR = 'acai-plugins';
/** The default trust store's name, next to plugins.config.json. */
export const DEFAULT_TRUSTED_KEYS_DIR = 'trusted-keys';

/** The file-level settings of a (schema-valid) document; relative paths resolve against the config's folder. */
export function readSupplyChainSettings(document: unknown, configDir: string): SupplyChainSettings {
  const root = isRecord(document) ? document : {};
  const signatures = isRecord(root.signatures) ? root.signatures : {};
  const policy = signatures.policy === 'warn' || signatures.policy === 'required' ? signatures.policy : 'off';
  return {
    installDir: resolve(configDir, typeof root.installDir === 'string' ? root.installDir : DEFAULT_INSTALL_DIR),
    signatures: { policy, trustedKeysDir: resolve(configDir, typeof signatures.trustedKeys === 'string' ? signatures.trustedKeys : DEFAULT_TRUSTED_KEYS_DIR) },
  };
}

/** The defaults, for configs built in code rather than read from a file. */
export function defaultSupplyChainSettings(configDir: string): SupplyChainSettings {
  return readSupplyChainSettings({}, configDir);
}

/** An entry's supply-chain fields (the schema has checked their shapes). */
export function readEntrySupplyChain(entry: object): EntrySupplyChain {
  const { installed, acceptBreakingRelease: accept } = entry as { installed?: unknown; acceptBreakingRelease?: unknown };
  return {
    ...(isRecord(installed) && typeof installed.version === 'string' && typeof installed.integrity === 'string'
      ? {
          installed: {
            version: installed.version,
            integrity: installed.integrity,
            ...(typeof installed.registry === 'string' ? { registry: installed.registry } : {}),
          },
        }
      : {}),
    ...(typeof accept === 'string' ? { acceptBreakingRelease: accept } : {}),
  };
}

/** What the schema cannot say about an entry's supply-chain fields: `installed` belongs to registry and tarball sources only. */
export function supplyChainProblems(entry: object, source: string): string[] {
  const fields = entry as { installed?: unknown; package?: unknown; tarball?: unknown };
  if (fields.installed === undefined) return [];
  if (fields.package !== undefined || fields.tarball !== undefined) return [];
  return [`${source} › installed: only packages and tarballs are installed (by \`acai plugin add\`); remove it from a "path" or "mcp" entry`];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
