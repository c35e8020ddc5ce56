// The host's JSON wire shapes as the console reads them: proto3 JSON with proto field names
// (snake_case), defaults omitted, 64-bit counters as strings. The Twirp APIs' shapes are the ones the
// host's own clients declare (type-only imports: nothing of core/src/client is bundled for them).
export type { Conversation, ConversationMessage, DescribeConversationResponse, ListConversationsResponse, ToolCallRecord as ToolCall } from '../../src/client/chat-api.js';
export type { ListPluginsResponse, PermissionsInfo, PluginInfo, PluginResponse, ReloadPluginsResponse } from '../../src/client/admin-api.js';

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
