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
  /** Optimistic-concurrency version, bumped on every append. */
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
  readonly kind: 'mongodb' | 'embedded';
  /** Creates indexes / tables. Idempotent. */
  init(): Promise<void>;
  create(input: CreateConversationInput): Promise<Conversation>;
  /** Loads a conversation; `recentMessages` limits how many of the newest messages are returned. */
  get(tenantId: string, id: string, options?: { recentMessages?: number }): Promise<Conversation | undefined>;
  /**
   * Appends messages atomically (all or nothing, contiguous, in order). With `expectedVersion`,
   * fails with HostError HOST_CONVERSATION_CONFLICT when someone else appended first.
   * Returns the new version; undefined when the conversation does not exist for this tenant.
   */
  append(
    tenantId: string,
    id: string,
    messages: readonly NewMessage[],
    options?: { expectedVersion?: number },
  ): Promise<{ version: number } | undefined>;
  setTitle(tenantId: string, id: string, title: string): Promise<void>;
  setSummary(tenantId: string, id: string, summary: ConversationSummary): Promise<void>;
  /** Newest first by updatedAt; stable paging by (updatedAt, id). */
  list(tenantId: string, options: { pageSize: number; pageToken?: string; userId?: string }): Promise<ConversationPage>;
  /** Newest conversation of this session updated at or after `updatedSince` (session recovery when Redis misses). */
  findLatestForSession(tenantId: string, session: SessionIdentity, updatedSince: Date): Promise<ConversationHeader | undefined>;
  /** Which conversations ran a given plugin (and optionally version): provenance queries for operators. */
  findByToolProvenance(tenantId: string, plugin: string, pluginVersion?: string, limit?: number): Promise<readonly ConversationHeader[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
