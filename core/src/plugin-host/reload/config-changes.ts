import type { PluginEntryConfig, PluginsConfig } from '../../config/plugins-config.js';

/** How two plugins configs differ, by entry: names and field names only, never values (they hold secrets). */
export interface PluginsConfigChanges {
  /** Entries new in the file. */
  readonly added: readonly string[];
  /** Entries gone from the file. */
  readonly removed: readonly string[];
  /** Entries whose settings changed, with the top-level fields that differ. */
  readonly changed: ReadonlyArray<{ readonly plugin: string; readonly fields: readonly string[] }>;
}

/** The settings of an entry that a change can be reported on, in the order they are reported. */
const COMPARED_FIELDS = ['source', 'version', 'enabled', 'required', 'mode', 'config', 'policy', 'tools', 'network'] as const satisfies ReadonlyArray<keyof PluginEntryConfig>;

/** Compares the entries of two configs as the operator wrote them (overrides not applied). */
export function diffPluginsConfig(previous: PluginsConfig, next: PluginsConfig): PluginsConfigChanges {
  const before = new Map(previous.plugins.map((entry) => [entry.name, entry]));
  const after = new Map(next.plugins.map((entry) => [entry.name, entry]));
  const changed: Array<{ plugin: string; fields: string[] }> = [];
  for (const [name, entry] of after) {
    const old = before.get(name);
    if (old === undefined) continue;
    const fields = COMPARED_FIELDS.filter((field) => JSON.stringify(old[field]) !== JSON.stringify(entry[field]));
    if (fields.length > 0) changed.push({ plugin: name, fields });
  }
  return {
    added: [...after.keys()].filter((name) => !before.has(name)),
    removed: [...before.keys()].filter((name) => !after.has(name)),
    changed,
  };
}

/** True when the diff names no change. */
export function isEmptyDiff(changes: PluginsConfigChanges): boolean {
  return changes.added.length === 0 && changes.removed.length === 0 && changes.changed.length === 0;
}
