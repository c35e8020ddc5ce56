import type { PermissionsInfo, PluginInfo } from './wire-types.js';

/** How a plugin is isolated, in a word for its card, and whether the operator should look twice. */
export interface SandboxLabel {
  readonly text: string;
  readonly isWarning: boolean;
}

const EXEMPTIONS: Readonly<Record<string, string>> = {
  'first-party': 'none (first-party)',
  'opted-out': 'NONE (opted out: it can read everything the host can)',
  remote: 'none (remote server)',
};

/** The sandbox fact of a plugin card; undefined while the host has not decided (a plugin that failed earlier). */
export function sandboxLabel(plugin: PluginInfo): SandboxLabel | undefined {
  if (plugin.sandbox === 'bubblewrap') return { text: 'bubblewrap', isWarning: false };
  if (plugin.sandbox !== 'none') return undefined;
  return { text: EXEMPTIONS[plugin.sandbox_exemption ?? ''] ?? 'none', isWarning: plugin.sandbox_exemption === 'opted-out' };
}

/** One line per permission (the host's own wording in `acai plugin validate`); "nothing" for an empty set. */
export function permissionLines(permissions: PermissionsInfo | undefined): string[] {
  const lines = [
    ...((permissions?.network?.length ?? 0) > 0 ? [`network: ${permissions!.network!.join(', ')}`] : []),
    ...((permissions?.env?.length ?? 0) > 0 ? [`environment variables: ${permissions!.env!.join(', ')}`] : []),
    ...((permissions?.read?.length ?? 0) > 0 ? [`read files: ${permissions!.read!.join(', ')}`] : []),
    ...((permissions?.scratch_mb ?? 0) > 0 ? [`scratch directory: up to ${permissions!.scratch_mb} MiB`] : []),
    ...(permissions?.processes === true ? ['start processes'] : []),
  ];
  return lines.length > 0 ? lines : ['nothing'];
}
