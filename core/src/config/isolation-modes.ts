import type { PluginEntryDocument } from './plugins-config-schema.js';

// Config-level vocabulary the plugin host runs by: config/ defines it, plugin-host/ imports it (never the reverse).

/** Where a plugin package's code runs (`mode` in plugins.config.json). */
export type IsolationMode = NonNullable<PluginEntryDocument['mode']>;

/**
 * Where a plugin runs: a package `inline` or in a `worker`, or `external` — an MCP server in its own
 * process or behind a URL, which the host only talks to.
 */
export type PluginMode = IsolationMode | 'external';

/** The values PLUGIN_WORKER_ISOLATION accepts. */
export const WORKER_ISOLATIONS = ['thread', 'process'] as const;

/** How a worker plugin is separated from the host. */
export type WorkerIsolation = (typeof WORKER_ISOLATIONS)[number];

/** The OS sandbox an entry asks for (`sandbox` in plugins.config.json); unset means the default for its trust. */
export type SandboxSetting = NonNullable<PluginEntryDocument['sandbox']>;
