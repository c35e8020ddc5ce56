import type { ToolImage } from '../tool-calls/index.js';

/** Where a conversation came from, for session-based clients (Telegram, web...). */
export interface SessionIdentity {
  readonly platform: string;
  readonly userId: string;
  readonly chatId: string;
}

/** Provenance of one tool call, persisted with the turn so operators can query it. */
export interface ToolCallRecord {
  /** The model's tool_call id. */
  readonly id: string;
  /** Namespaced name the model used. */
  readonly name: string;
  readonly plugin?: string;
  readonly pluginVersion?: string;
  readonly tool?: string;
  readonly schemaFingerprint?: string;
  /** Arguments as the model sent them (JSON text). */
  readonly arguments: string;
  /** Result shown to the model (capped, scrubbed). */
  readonly result: string;
  /** ok | invalid_input | cancelled | timeout | unavailable | breaker_open | rejected | rate_limited | error | unknown_tool */
  readonly outcome: string;
  readonly durationMs: number;
  /** A successful tool's structured result as JSON text, when it had one that fit the stored limit. */
  readonly data?: string;
  /** Images the tool returned for the user (checked and bounded before they are stored). */
  readonly images?: readonly ToolImage[];
  /** Token counts of the call's replay, taken when the turn ran; absent on calls stored before they were kept. */
  readonly tokens?: ToolCallTokens;
}

/**
 * Token counts of one stored tool call (offline estimate, text only, without the per-message overhead),
 * so a later turn that replays it to the model need not tokenize it again.
 */
export interface ToolCallTokens {
  /** The call's name plus its arguments, as the assistant message that asked for it carries them. */
  readonly call: number;
  /** The result text, as the tool message that answers it carries it. */
  readonly result: number;
}

/** Tokens the model reported for the model calls of one turn (summed over the tool loop's steps). */
export interface MessageTokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** A stored message. Tool calls live on the assistant message of the turn that made them. */
export interface StoredMessage {
  readonly id: string;
  readonly role: 'user' | 'assistant';
  readonly content: string;
  readonly createdAt: Date;
  /** Assistant messages: the tool calls (in order, across loop steps) made to produce this reply. */
  readonly toolCalls?: readonly ToolCallRecord[];
  /** Assistant messages: which system prompt version produced it. */
  readonly promptVersion?: string;
  /** Token count of this message (offline estimate, corrected by reported usage where known). */
  readonly tokens?: number;
  /** Assistant messages: what the model reported it used to produce this reply; absent when it reported nothing. */
  readonly usage?: MessageTokenUsage;
}

/** A message to append; the store assigns id and createdAt when absent. */
export type NewMessage = Omit<StoredMessage, 'id' | 'createdAt'> & { id?: string; createdAt?: Date };

/** Summary of the turns that fell out of the context budget (optional feature). */
export interface ConversationSummary {
  readonly content: string;
  /** Messages up to and including this index are covered by the summary. */
  readonly coversThroughIndex: number;
  readonly createdAt: Date;
}

/** A conversation header (no messages): what List returns. */
export interface ConversationHeader {
  readonly id: string;
  readonly tenantId: string;
  readonly title: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly session?: SessionIdentity;
  readonly messageCount: number;
  /**
   * Optimistic-concurrency version: the number of non-empty appends, counting the messages given to
   * `create` as the first (so 1 after creating with messages, 0 after creating empty).
   */
  readonly version: number;
}

/** A conversation with (some of) its messages. */
export interface Conversation extends ConversationHeader {
  /** Messages in order. When loaded with `recentMessages`, only the newest ones (see `firstMessageIndex`). */
  readonly messages: readonly StoredMessage[];
  /** Index (in the full history) of messages[0]. */
  readonly firstMessageIndex: number;
  readonly summary?: ConversationSummary;
}

/** Input for {@link ConversationStore.create}. */
export interface CreateConversationInput {
  /**
   * The new conversation's id (24 hex, from `createObjectIdHex`), when the caller must know it before
   * the conversation is stored (a streamed turn announces it first); the store makes one when absent.
   * It must be unused: reusing an id is a caller bug, not a way to overwrite.
   */
  readonly id?: string;
  readonly tenantId: string;
  readonly title: string;
  readonly session?: SessionIdentity;
  readonly messages: readonly NewMessage[];
}

/** One page of conversation headers. */
export interface ConversationPage {
  readonly conversations: readonly ConversationHeader[];
  readonly nextPageToken?: string;
}

/**
 * Which timestamp a listing is ordered by, newest first: `updated` (the last turn; what clients page
 * through) or `created` (what the old service's unpaged listing returned). A page token remembers it.
 */
export type ConversationOrder = 'updated' | 'created';

/** Options of {@link ConversationStore.list}. */
export interface ListConversationsOptions {
  readonly pageSize: number;
  /** A token from a previous page; it carries the order, which then wins over `order`. */
  readonly pageToken?: string;
  readonly userId?: string;
  /** Default `updated`. */
  readonly order?: ConversationOrder;
}

/** Options of {@link ConversationStore.search}. */
export interface SearchConversationsOptions {
  /** Matched case-insensitively as plain text (never as a pattern) against titles and message text. */
  readonly query: string;
  readonly pageSize: number;
  readonly pageToken?: string;
  /**
   * Most conversations one call examines (newest updated first, from the token on). A call that reaches
   * it returns the matches found so far — possibly none — with a token to go on, so one request's cost
   * is bounded however large the tenant's history is. Default {@link DEFAULT_SEARCH_SCAN_LIMIT}.
   */
  readonly scanLimit?: number;
}

/** Default {@link SearchConversationsOptions.scanLimit}. */
export const DEFAULT_SEARCH_SCAN_LIMIT = 500;

/** What {@link ConversationStore.remove} deleted, so the caller can clear what was derived from it. */
export interface RemovedConversation {
  readonly header: ConversationHeader;
  /** The text of the conversation's first message (its cached title is keyed by it); absent without messages. */
  readonly firstMessage?: string;
}

/** Which conversations {@link ConversationStore.listUntouched} looks at. */
export type UntouchedScope =
  /** One tenant's conversations. */
  | { readonly tenantId: string }
  /** Every tenant's but these (tenants with a retention of their own). */
  | { readonly exceptTenantIds: readonly string[] };

/**
 * Durable conversation storage. Every read and write is scoped to a tenant: another tenant's id
 * behaves exactly like an unknown id. Implementations: MongoDB (production) and embedded (SQLite file).
 */
export interface ConversationStore {
  /** Every method wraps driver failures in HostError HOST_STORE_UNAVAILABLE (cause attached, no driver text). */
  readonly kind: 'mongodb' | 'embedded';
  /** Creates indexes / tables. Idempotent. */
  init(): Promise<void>;
  create(input: CreateConversationInput): Promise<Conversation>;
  /** Loads a conversation; `recentMessages` limits how many of the newest messages are returned. */
  get(tenantId: string, id: string, options?: { recentMessages?: number }): Promise<Conversation | undefined>;
  /**
   * Appends messages atomically (all or nothing, contiguous, in order). With `expectedVersion`,
   * fails with HostError HOST_CONVERSATION_CONFLICT when someone else appended first.
   * Returns the version this append produced (exact, even under concurrency); undefined when the
   * conversation does not exist for this tenant or `id` is not a 24-hex id. An empty append changes
   * nothing and returns the current version. Without `expectedVersion` concurrent appends all land,
   * each contiguous, in some order.
   */
  append(
    tenantId: string,
    id: string,
    messages: readonly NewMessage[],
    options?: { expectedVersion?: number },
  ): Promise<{ version: number } | undefined>;
  /**
   * Rejects with HostError HOST_CONVERSATION_NOT_FOUND for unknown (or other tenants') ids; same for setSummary.
   * With `ifTitle`, changes the title only while it is still that one (a late generated title must not
   * replace one the user chose meanwhile); returns whether it changed. The last update time is kept:
   * a rename is not a turn.
   */
  setTitle(tenantId: string, id: string, title: string, options?: { ifTitle?: string }): Promise<boolean>;
  setSummary(tenantId: string, id: string, summary: ConversationSummary): Promise<void>;
  /**
   * Newest first by updatedAt (or createdAt, see `order`); stable keyset paging by (time, id) with an
   * opaque token. A malformed token or a pageSize outside 1..1000 is HostError HOST_INVALID_ARGUMENT
   * (meta.argument `page_token` / `page_size`).
   */
  list(tenantId: string, options: ListConversationsOptions): Promise<ConversationPage>;
  /**
   * The tenant's conversations whose title or any message text contains `query` (case-insensitive),
   * newest updated first, paged like `list` (its tokens). Bounded per call by `scanLimit`: a page may
   * hold fewer than `pageSize` matches and still carry a token. A created-order token is
   * HOST_INVALID_ARGUMENT (`page_token`).
   */
  search(tenantId: string, options: SearchConversationsOptions): Promise<ConversationPage>;
  /**
   * Deletes a conversation with its messages and tool-call records. With `ifUpdatedBefore`, only when
   * its last turn is older (retention: a conversation that just got a turn is kept). Undefined when there
   * was nothing to delete (unknown id, another tenant's, already deleted, or touched since); deleting
   * twice is harmless.
   */
  remove(tenantId: string, id: string, options?: { ifUpdatedBefore?: Date }): Promise<RemovedConversation | undefined>;
  /**
   * Replaces the conversation's last message — which must be the assistant message `messageId` — with
   * `replacement` (an id and time are assigned when absent), atomically. Undefined for an unknown id;
   * HOST_CONVERSATION_CONFLICT when the last message is another one (a turn landed meanwhile). The
   * version is unchanged (it counts appends); the last update time moves.
   */
  replaceLastMessage(tenantId: string, id: string, messageId: string, replacement: NewMessage): Promise<{ version: number } | undefined>;
  /** Up to `limit` conversations last updated before `before`, oldest first, across tenants as `scope` says (retention). */
  listUntouched(scope: UntouchedScope, before: Date, limit: number): Promise<readonly ConversationHeader[]>;
  /** Newest conversation of this session updated at or after `updatedSince` (session recovery when Redis misses). */
  findLatestForSession(tenantId: string, session: SessionIdentity, updatedSince: Date): Promise<ConversationHeader | undefined>;
  /** Which conversations ran a given plugin (and optionally version): provenance queries for operators. */
  findByToolProvenance(tenantId: string, plugin: string, pluginVersion?: string, limit?: number): Promise<readonly ConversationHeader[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
