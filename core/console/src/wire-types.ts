// The host's JSON wire shapes as the console reads them: proto3 JSON with proto field names
// (snake_case). The host omits fields holding their default value, so everything that can be zero,
// empty or false is optional here, and 64-bit counters arrive as strings.

/** A Twirp error body (`{"code","msg","meta"}`), also the payload of the stream's `error` event. */
export interface TwirpErrorBody {
  readonly code: string;
  readonly msg: string;
  readonly meta?: Readonly<Record<string, string>>;
}

/** `GET /auth/whoami`. */
export interface Whoami {
  readonly tenant_id: string;
  readonly key_id?: string;
  readonly scopes: readonly string[];
  /** `api_key`, `trusted_network` or `auth_disabled`. */
  readonly source: string;
}

/** acai.chat.ToolCall, with the tool result text the model saw (`result`, added with streaming). */
export interface ToolCall {
  readonly id?: string;
  readonly name?: string;
  readonly plugin?: string;
  readonly plugin_version?: string;
  readonly arguments?: string;
  readonly outcome?: string;
  readonly duration_ms?: number;
  readonly schema_fingerprint?: string;
  readonly result?: string;
}

export type MessageRole = 'USER' | 'ASSISTANT' | 'UNKNOWN';

export interface ConversationMessage {
  readonly id?: string;
  readonly role?: MessageRole;
  readonly content?: string;
  /** RFC 3339. */
  readonly timestamp?: string;
  readonly tool_calls?: readonly ToolCall[];
}

export interface Conversation {
  readonly id?: string;
  readonly title?: string;
  readonly timestamp?: string;
  readonly messages?: readonly ConversationMessage[];
}

export interface ListConversationsResponse {
  readonly conversations?: readonly Conversation[];
  readonly next_page_token?: string;
}

export interface DescribeConversationResponse {
  readonly conversation?: Conversation;
}

export type PluginState = 'STATE_UNSPECIFIED' | 'ACTIVE' | 'DISABLED' | 'FAILED' | 'RESTARTING';
export type BreakerState = 'BREAKER_STATE_UNSPECIFIED' | 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface PluginTool {
  readonly exposed_name?: string;
  readonly name?: string;
  readonly description?: string;
  readonly idempotent?: boolean;
}

/** acai.admin.PluginInfo. */
export interface PluginInfo {
  readonly name?: string;
  readonly source?: string;
  readonly version?: string;
  readonly sdk_range?: string;
  readonly mode?: string;
  readonly state?: PluginState;
  readonly required?: boolean;
  readonly tools?: readonly PluginTool[];
  readonly breaker_state?: BreakerState;
  readonly call_count?: string;
  readonly error_count?: string;
  readonly last_error?: string;
  readonly last_error_time?: string;
  readonly restart_count?: string;
  /** `npm` or `mcp`. */
  readonly kind?: string;
  /** MCP servers: `stdio` or `streamable_http`. */
  readonly transport?: string;
  /** MCP servers: the name the server gave in initialize. */
  readonly server_name?: string;
}

export interface ListPluginsResponse {
  readonly plugins?: readonly PluginInfo[];
  readonly generation?: string;
}

export interface PluginResponse {
  readonly plugin?: PluginInfo;
}

export interface ToolSchemaChange {
  readonly tool?: string;
  readonly plugin?: string;
  readonly from_version?: string;
  readonly to_version?: string;
  readonly major_bump?: boolean;
}

export interface ReloadPluginsResponse {
  readonly generation?: string;
  readonly reloaded?: readonly string[];
  readonly added?: readonly string[];
  readonly removed?: readonly string[];
  readonly unchanged?: readonly string[];
  readonly failed?: readonly string[];
  readonly schema_changes?: readonly ToolSchemaChange[];
}
