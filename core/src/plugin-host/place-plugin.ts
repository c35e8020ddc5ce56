import { homedir } from 'node:os';
import type { Logger } from 'pino';
import type { IsolationMode } from '../config/isolation-modes.js';
import type { PluginEntryConfig } from '../config/plugins-config.js';
import { HostError } from '../errors/index.js';
import { toPermissionsBlock, toPermissionSet, type PermissionSet } from './permissions/index.js';
import { createSandbox, probeSandbox, type ProtectedPath, type Sandbox, type SandboxDescription, type SandboxOptions } from './sandbox/index.js';

/** Why a plugin runs without an OS sandbox. */
export type SandboxExemption =
  /** Shipped with the host (see isFirstPartyPackage): trusted code. */
  | 'first-party'
  /** The entry says `"sandbox": "none"`: the operator accepts that it gets everything the host has. */
  | 'opted-out'
  /** An MCP server behind a URL: it runs elsewhere. */
  | 'remote';

/** The OS sandbox a plugin runs in, for the admin API, the console and /readyz. */
export type PluginSandboxStatus =
  | { readonly kind: 'bubblewrap'; readonly description: SandboxDescription }
  | { readonly kind: 'none'; readonly exemption: SandboxExemption };

/** Where a plugin package runs: its mode, and whether a sandbox holds it. */
export interface PackagePlacement {
  readonly mode: IsolationMode;
  /** Undefined: it runs in a sandbox (of the host's making). */
  readonly exemption: SandboxExemption | undefined;
}

/** Settings of the OS sandbox shared by every plugin of a host. */
export interface SandboxSettings {
  /** bubblewrap's path (PLUGIN_SANDBOX_BWRAP); default: the usual places. */
  readonly bubblewrapPath?: string;
}

/**
 * Where a package runs. Everything that is not first-party runs in a sandbox, in a worker process, unless its
 * entry opts out with `"sandbox": "none"`; first-party packages run as their mode says unless the entry asks
 * for `"sandbox": "bubblewrap"`. A third-party package whose entry says `"mode": "inline"` without opting out
 * is refused: inline code runs in the host's own process, where no sandbox can hold it.
 */
export function placePackage(entry: PluginEntryConfig, isFirstParty: boolean, named: string): PackagePlacement {
  const isSandboxed = entry.sandbox === 'bubblewrap' || (entry.sandbox === undefined && !isFirstParty);
  if (!isSandboxed) {
    return { mode: entry.explicitMode ?? (isFirstParty ? 'inline' : 'worker'), exemption: isFirstParty ? 'first-party' : 'opted-out' };
  }
  if (entry.explicitMode === 'inline') {
    throw new HostError(
      'HOST_PLUGIN_CONFIG_INVALID',
      `${named}: "mode": "inline" would run ${isFirstParty ? 'this plugin' : 'this third-party plugin'} in the host's own process, where no sandbox can hold it. Remove "mode" (it then runs in a sandboxed worker process), or also set "sandbox": "none" to accept that it gets everything the host has.`,
    );
  }
  return { mode: 'worker', exemption: undefined };
}

/**
 * What the operator granted an entry: its `permissions` block (with the older `network.allowHosts` counted as
 * granted hosts). A first-party plugin whose entry has no block is granted what it asks for.
 */
export function grantOf(entry: PluginEntryConfig, request: PermissionSet, isFirstParty: boolean): PermissionSet {
  return toPermissionSet(entry.permissions === undefined && isFirstParty ? toPermissionsBlock(request) : entry.permissions, entry.network.allowHosts);
}

/** Logs an entry that opted out of the sandbox, every time it loads: the operator must not forget it. */
export function warnSandboxOptOut(logger: Logger, named: string): void {
  logger.warn(
    { sandbox: 'none' },
    `${named} runs WITHOUT a sandbox ("sandbox": "none" in plugins.config.json): it can read every file, environment variable and network address the host can. Remove "sandbox": "none" unless you trust this code with all of them.`,
  );
}

/** Paths no sandbox may show: the data directory (every tenant's conversations, keys.db), the config, the home directory, the host's working directory. */
export function protectedHostPaths(dataDir: string, configPath: string): ProtectedPath[] {
  return [
    { path: dataDir, what: "the host's data directory" },
    { path: configPath, what: 'the plugins config' },
    { path: homedir(), what: "the host user's home directory" },
    { path: process.cwd(), what: "the host's working directory" },
  ];
}

/** Makes a plugin's sandbox, or fails with HOST_SANDBOX_UNAVAILABLE naming why and the fix. */
export async function openSandbox(settings: SandboxSettings, options: Omit<SandboxOptions, 'bubblewrapPath'>, named: string): Promise<Sandbox> {
  const probe = await probeSandbox(settings.bubblewrapPath, options.logger);
  if (!probe.isAvailable) throw new HostError('HOST_SANDBOX_UNAVAILABLE', `${named}: cannot run in a sandbox: ${probe.reason}. ${probe.fix}`);
  return createSandbox({ ...options, bubblewrapPath: probe.bubblewrapPath });
}
