import { resolve } from 'node:path';
import type { PluginManifest, PluginPermissions } from '@acai/plugin-sdk';

/**
 * A permission set with every field present: what a plugin asks for (its request) or what an operator
 * allows it (its grant). Lists are sorted and free of duplicates, so two sets compare as JSON.
 */
export interface PermissionSet {
  /** Host patterns ("api.example.com", "api.example.com:8443", "*.example.com"). */
  readonly network: readonly string[];
  /** Names of host environment variables. */
  readonly env: readonly string[];
  /** Absolute host paths, read-only. */
  readonly read: readonly string[];
  /** Size cap of the private scratch directory in MiB; undefined: none. */
  readonly scratchMb: number | undefined;
  readonly processes: boolean;
}

export const NO_PERMISSIONS: PermissionSet = Object.freeze({ network: [], env: [], read: [], scratchMb: undefined, processes: false });

const sortedUnique = (values: Iterable<string>): readonly string[] => [...new Set(values)].sort();

/** A permissions block as written (manifest, `mcp.permissions` or an entry's grant) as a {@link PermissionSet}. */
export function toPermissionSet(permissions: PluginPermissions | undefined, extraHosts: readonly string[] = []): PermissionSet {
  return {
    network: sortedUnique([...(permissions?.network ?? []), ...extraHosts].map((host) => host.toLowerCase())),
    env: sortedUnique(permissions?.env ?? []),
    read: sortedUnique((permissions?.read ?? []).map((path) => resolve(path))),
    scratchMb: permissions?.scratch?.sizeMb,
    processes: permissions?.processes === true,
  };
}

/** What a plugin package asks for: `acai.permissions`, with the older `acai.network.hosts` folded into its network. */
export function manifestRequest(manifest: PluginManifest): PermissionSet {
  return toPermissionSet(manifest.permissions, manifest.network?.hosts ?? []);
}

export function isEmptyPermissionSet(set: PermissionSet): boolean {
  return set.network.length === 0 && set.env.length === 0 && set.read.length === 0 && set.scratchMb === undefined && !set.processes;
}

/** The set as it is written in plugins.config.json (`permissions`): only the fields that grant something. */
export function toPermissionsBlock(set: PermissionSet): PluginPermissions {
  return {
    ...(set.network.length > 0 ? { network: [...set.network] } : {}),
    ...(set.env.length > 0 ? { env: [...set.env] } : {}),
    ...(set.read.length > 0 ? { read: [...set.read] } : {}),
    ...(set.scratchMb === undefined ? {} : { scratch: { sizeMb: set.scratchMb } }),
    ...(set.processes ? { processes: true } : {}),
  };
}

/** One line per permission, for people: the CLI's request prompt, validate's report, the console. */
export function describePermissionSet(set: PermissionSet): string[] {
  if (isEmptyPermissionSet(set)) return ['nothing (no network, no environment, no files beyond its own, no processes)'];
  return [
    ...(set.network.length > 0 ? [`network: ${set.network.join(', ')}`] : []),
    ...(set.env.length > 0 ? [`environment variables: ${set.env.join(', ')}`] : []),
    ...(set.read.length > 0 ? [`read files: ${set.read.join(', ')}`] : []),
    ...(set.scratchMb === undefined ? [] : [`scratch directory: up to ${set.scratchMb} MiB`]),
    ...(set.processes ? ['start processes'] : []),
  ];
}
