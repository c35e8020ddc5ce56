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
  /** ok | invalid_input | timeout | unavailable | breaker_open | rejected | rate_limited | error | unknown_tool */
  readonly outcome: string;
  readonly durationMs: number;
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
  /** Rejects with HostError HOST_CONVERSATION_NOT_FOUND for unknown (or other tenants') ids; same for setSummary. */
  setTitle(tenantId: string, id: string, title: string): Promise<void>;
  setSummary(tenantId: string, id: string, summary: ConversationSummary): Promise<void>;
  /**
   * Newest first by updatedAt; stable keyset paging by (updatedAt, id) with an opaque token.
   * A malformed token or a pageSize outside 1..1000 is HostError HOST_INVALID_ARGUMENT
   * (meta.argument `page_token` / `page_size`).
   */
  list(tenantId: string, options: { pageSize: number; pageToken?: string; userId?: string }): Promise<ConversationPage>;
  /** Newest conversation of this session updated at or after `updatedSince` (session recovery when Redis misses). */
  findLatestForSession(tenantId: string, session: SessionIdentity, updatedSince: Date): Promise<ConversationHeader | undefined>;
  /** Which conversations ran a given plugin (and optionally version): provenance queries for operators. */
  findByToolProvenance(tenantId: string, plugin: string, pluginVersion?: string, limit?: number): Promise<readonly ConversationHeader[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
