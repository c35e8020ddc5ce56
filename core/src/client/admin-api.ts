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
  /** `enabled` in plugins.config.json (`enabled_override`, when set, wins). */
  file_enabled?: boolean;
  /** The operator's switch, stored for every replica; absent while the file decides. */
  enabled_override?: EnabledOverride;
  /** The last breaker reset by an operator. */
  last_breaker_reset?: BreakerReset;
  /** Installed by `acai plugin add`: the serving release's sha512 integrity. */
  integrity?: string;
  /** Fingerprint of the trusted key that signed the package. */
  signer?: string;
  /** A configured release that was refused or failed while the last good one (`version`) serves. */
  refused_version?: string;
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

/** Who did something (an admin.proto `Actor`). */
export interface Actor {
  key_id?: string;
  tenant_id?: string;
  /** `api_key`, `trusted_network`, `auth_disabled`, `cli` or `host`. */
  source?: string;
  /** `cli`: user@machine. */
  name?: string;
}

/** An operator's override of a plugin's `enabled`. */
export interface EnabledOverride {
  enabled?: boolean;
  set_by?: Actor;
  /** RFC 3339. */
  set_time?: string;
}

/** The last operator breaker reset of a plugin. */
export interface BreakerReset {
  reset_by?: Actor;
  reset_time?: string;
}

/** plugins.config.json was refused; an older config serves. */
export interface ConfigDrift {
  code?: string;
  reason?: string;
  since?: string;
  /** `startup` or the refused reload's trigger. */
  trigger?: string;
  /** Set when the host started from its last good config. */
  last_good_time?: string;
}

export interface ListPluginsResponse {
  plugins?: PluginInfo[];
  generation?: string;
  /** Set while plugins.config.json is refused. */
  drift?: ConfigDrift;
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
  /** True when `if_changed` was asked and the file matched what serves: nothing was reloaded. */
  skipped?: boolean;
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

/** One operator action (an admin.proto `AuditEntry`). */
export interface AuditEntry {
  id?: string;
  /** RFC 3339. */
  time?: string;
  action?: string;
  actor?: Actor;
  tenant_id?: string;
  target?: string;
  client_address?: string;
  /** `ok`, `refused`, `failed` or `unchanged`. */
  outcome?: string;
  message?: string;
  details?: Record<string, unknown>;
}

/** Filters and paging of ListAuditEntries (times as RFC 3339). */
export interface ListAuditEntriesRequest {
  page_size?: number;
  page_token?: string;
  since?: string;
  until?: string;
  actions?: string[];
  actor_key_id?: string;
  tenant_id?: string;
}

export interface ListAuditEntriesResponse {
  entries?: AuditEntry[];
  next_page_token?: string;
}

/** `acai.admin.PluginService` and `acai.admin.AuditService`; every method needs an API key with the `admin` scope. */
export interface PluginAdminApi {
  listPlugins(): Promise<ListPluginsResponse>;
  enablePlugin(name: string): Promise<PluginResponse>;
  disablePlugin(name: string): Promise<PluginResponse>;
  /** Removes the operator override, so plugins.config.json decides again. */
  clearPluginOverride(name: string): Promise<PluginResponse>;
  /** `ifChanged`: reload only when plugins.config.json differs from what serves (after writing the file). */
  reloadPlugins(options?: { ifChanged?: boolean }): Promise<ReloadPluginsResponse>;
  resetBreaker(name: string): Promise<PluginResponse>;
  listAuditEntries(request: ListAuditEntriesRequest): Promise<ListAuditEntriesResponse>;
}
