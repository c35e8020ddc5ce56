// The plugin admin API as clients see it on the wire (Twirp JSON of proto/admin.proto: proto field
// names, defaults omitted, enums by name, 64-bit counters as decimal strings).

/** A plugin's state (PluginInfo.State). */
export type PluginState = 'STATE_UNSPECIFIED' | 'ACTIVE' | 'DISABLED' | 'FAILED' | 'RESTARTING' | 'STARTING';

/** A plugin's circuit breaker (PluginInfo.BreakerState). */
export type PluginBreakerState = 'BREAKER_STATE_UNSPECIFIED' | 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** One tool of a plugin. */
export interface PluginToolInfo {
  exposed_name?: string;
  name?: string;
  description?: string;
  idempotent?: boolean;
}

/** A permission set (PluginInfo.Permissions): what a plugin asks for, or what its entry grants. */
export interface PermissionsInfo {
  network?: string[];
  env?: string[];
  read?: string[];
  /** MiB; absent or 0: no scratch directory. */
  scratch_mb?: number;
  processes?: boolean;
}

/** One configured plugin of a running host. */
export interface PluginInfo {
  name?: string;
  source?: string;
  version?: string;
  sdk_range?: string;
  mode?: string;
  state?: PluginState;
  required?: boolean;
  tools?: PluginToolInfo[];
  breaker_state?: PluginBreakerState;
  call_count?: string;
  error_count?: string;
  last_error?: string;
  last_error_time?: string;
  restart_count?: string;
  /** `npm` or `mcp`. */
  kind?: string;
  /** MCP servers: `stdio` or `streamable_http`. */
  transport?: string;
  /** MCP servers: the name the server gave in initialize. */
  server_name?: string;
  /** The code of `last_error` (HOST_PLUGIN_* for load, start and crash failures; a tool error code for a failed call). */
  last_error_code?: string;
  /** Attempts made at starting it, and how many are allowed (STARTING while more are due). */
  start_attempts?: number;
  max_start_attempts?: number;
  requested_permissions?: PermissionsInfo;
  granted_permissions?: PermissionsInfo;
  /** `bubblewrap` or `none`; absent until decided. */
  sandbox?: string;
  /** Why there is none: `first-party`, `opted-out` or `remote`. */
  sandbox_exemption?: string;
}

export interface ListPluginsResponse {
  plugins?: PluginInfo[];
  generation?: string;
}

export interface PluginResponse {
  plugin?: PluginInfo;
}

export interface ReloadPluginsResponse {
  generation?: string;
  reloaded?: string[];
  added?: string[];
  removed?: string[];
  unchanged?: string[];
  failed?: string[];
  schema_changes?: ToolSchemaChange[];
}

/** A tool whose parameter schema changed since it was last loaded. */
export interface ToolSchemaChange {
  /** Exposed name (`<plugin>__<tool>`). */
  tool?: string;
  plugin?: string;
  from_version?: string;
  to_version?: string;
  from_fingerprint?: string;
  to_fingerprint?: string;
  major_bump?: boolean;
}

/** `acai.admin.PluginService`; every method needs an API key with the `admin` scope. */
export interface PluginAdminApi {
  listPlugins(): Promise<ListPluginsResponse>;
  enablePlugin(name: string): Promise<PluginResponse>;
  disablePlugin(name: string): Promise<PluginResponse>;
  reloadPlugins(): Promise<ReloadPluginsResponse>;
  resetBreaker(name: string): Promise<PluginResponse>;
}
