import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { HostError } from '../../errors/index.js';
import type {
  Conversation,
  ConversationHeader,
  ConversationOrder,
  ConversationPage,
  ConversationStore,
  ConversationSummary,
  CreateConversationInput,
  ListConversationsOptions,
  MessageTokenUsage,
  NewMessage,
  RemovedConversation,
  SearchConversationsOptions,
  SessionIdentity,
  StoredMessage,
  ToolCallRecord,
  UntouchedScope,
} from '../conversation-store.js';
import { lastMessageConflict } from '../last-message-conflict.js';
import { chosenOrNewObjectIdHex, createObjectIdHex, isObjectIdHex } from '../object-id.js';
import { checkPageSize, listingStart, pageFrom, type PagePosition } from '../page-token.js';
import { containsText, searchByScan } from '../search-scan.js';
import { storeUnavailable } from '../store-unavailable.js';
import { CheckpointHandshake } from './checkpoint-handshake.js';
import { GroupCommit } from './group-commit.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';

/** Options for {@link EmbeddedConversationStore}. */
export interface EmbeddedConversationStoreOptions {
  /** Folder for the database file (created when missing), e.g. ACAI_DATA_DIR (default `./.acai-data`). */
  dataDir: string;
  /** File name inside `dataDir` (default `acai.db`). */
  fileName?: string;
  logger?: Logger;
  /** Injectable clock for timestamps (tests). */
  now?: () => Date;
  /**
   * Checkpoint the WAL from a worker thread instead of inside the COMMIT that crosses SQLite's
   * threshold, which blocks the event loop on fsync (default false; the host's store turns it on).
   */
  backgroundCheckpoints?: boolean;
}

// 2: messages.usage (the model's reported tokens per reply) and the created-order and retention indexes.
const SCHEMA_VERSION = 2;

// Every append moves the conversation's updated_at, and so its entry in every index that holds it.
// Conversations without a session (API clients) have no user or platform to look them up by, so the
// two session indexes are partial: an append to such a conversation rewrites one index instead of
// three (bench:capacity: about a third fewer pages per append). Files from before are migrated in
// place at open; the indexes keep their names, so an older build still opens and uses the file.
const PARTIAL_INDEXES: ReadonlyArray<{ readonly name: string; readonly definition: string }> = [
  {
    name: 'conversations_tenant_user_updated',
    definition: 'ON conversations (tenant_id, user_id, updated_at DESC, id DESC) WHERE user_id IS NOT NULL',
  },
  {
    name: 'conversations_tenant_session',
    definition: 'ON conversations (tenant_id, platform, chat_id, user_id, updated_at DESC) WHERE platform IS NOT NULL',
  },
];

function makeSessionIndexesPartial(database: Database.Database): void {
  const existing = database.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'conversations'`).all() as Array<{
    name: string;
    sql: string | null;
  }>;
  const outdated = PARTIAL_INDEXES.filter((index) => existing.some((row) => row.name === index.name && !/\bWHERE\b/i.test(row.sql ?? '')));
  if (outdated.length === 0) return;
  database.transaction(() => {
    for (const index of outdated) {
      database.exec(`DROP INDEX ${index.name}`);
      database.exec(`CREATE INDEX ${index.name} ${index.definition}`);
    }
  }).immediate();
}
const DEFAULT_PROVENANCE_LIMIT = 100;

// WAL with synchronous=NORMAL: a committed append survives a crash of the process (the OS has the
// WAL pages); only an OS crash or power loss can drop the last transactions. busy_timeout lets a
// second process (e.g. the CLI) wait for the writer instead of failing.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  title TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  platform TEXT,
  chat_id TEXT,
  user_id TEXT,
  version INTEGER NOT NULL,
  message_count INTEGER NOT NULL,
  summary_content TEXT,
  summary_covers_through INTEGER,
  summary_created_at INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS conversations_tenant_updated ON conversations (tenant_id, updated_at DESC, id DESC);
${PARTIAL_INDEXES.map((index) => `CREATE INDEX IF NOT EXISTS ${index.name} ${index.definition};`).join('\n')}
CREATE TABLE IF NOT EXISTS messages (
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  id TEXT NOT NULL,
  role TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  tool_calls TEXT,
  prompt_version TEXT,
  tokens INTEGER,
  PRIMARY KEY (conversation_id, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tool_uses (
  tenant_id TEXT NOT NULL,
  plugin_key TEXT NOT NULL,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  used_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, plugin_key, conversation_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tool_uses_recent ON tool_uses (tenant_id, plugin_key, used_at DESC);
-- Deleting a conversation cascades to its tool-use rows; without this the cascade read all of them.
-- used_at is not in it, so the per-turn upsert leaves it alone (only a conversation's first use adds an entry).
CREATE INDEX IF NOT EXISTS tool_uses_conversation ON tool_uses (conversation_id);
CREATE INDEX IF NOT EXISTS conversations_tenant_created ON conversations (tenant_id, created_at DESC, id DESC);
`;

// Indexes an older build created that no query needs any more, dropped when a file opens. Every
// append moves updated_at, so each index holding it costs two more WAL pages per turn (the entry's
// old page and the newest one). conversations_updated (updated_at) served only the retention sweep
// across tenants, which now walks conversations_tenant_updated tenant by tenant. The schema version
// stays: an older build opening the file just creates the index again.
const DROPPED_INDEXES: readonly string[] = ['conversations_updated'];

/** Columns added after version 1, each added to an older file when it opens (SQLite has no ADD COLUMN IF NOT EXISTS). */
const ADDED_COLUMNS: ReadonlyArray<{ readonly table: string; readonly column: string; readonly definition: string }> = [
  { table: 'messages', column: 'usage', definition: 'usage TEXT' },
];

/** Search's text check, registered on the connection: the same case folding as the title check in JavaScript. */
const CONTAINS_FUNCTION = 'acai_contains';

interface ConversationRow {
  id: string;
  tenant_id: string;
  title: string;
  created_at: number;
  updated_at: number;
  platform: string | null;
  chat_id: string | null;
  user_id: string | null;
  version: number;
  message_count: number;
  summary_content: string | null;
  summary_covers_through: number | null;
  summary_created_at: number | null;
}

interface MessageRow {
  position: number;
  id: string;
  role: 'user' | 'assistant';
  content: string;
  created_at: number;
  tool_calls: string | null;
  prompt_version: string | null;
  tokens: number | null;
  usage: string | null;
}

const HEADER_COLUMNS = 'id, tenant_id, title, created_at, updated_at, platform, chat_id, user_id, version, message_count';

function toHeader(row: ConversationRow): ConversationHeader {
  const header: { -readonly [K in keyof ConversationHeader]: ConversationHeader[K] } = {
    id: row.id,
    tenantId: row.tenant_id,
    title: row.title,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    messageCount: row.message_count,
    version: row.version,
  };
  if (row.platform !== null && row.chat_id !== null && row.user_id !== null) {
    header.session = { platform: row.platform, chatId: row.chat_id, userId: row.user_id };
  }
  return header;
}

// A conversation's header and recent messages in one statement: one statement reads one snapshot, so
// no BEGIN/COMMIT is needed for a consistent pair (another process may be appending). The messages come
// as one JSON array of tuples, tool calls and usage embedded as JSON, which a single JSON.parse turns
// into values: cheaper than a row object per message plus a parse per tool call (in-process: a get of
// a 6-message conversation 57 → 34 µs of CPU). Positions run 0 … message_count - 1 without gaps (an
// append adds at message_count, replaceLastMessage rewrites the last one), so the recent ones are a
// range of the primary key; ORDER BY inside the aggregate sorts only those.
const GET_CONVERSATION = `
SELECT id, tenant_id, title, created_at, updated_at, platform, chat_id, user_id, version, message_count,
       summary_content, summary_covers_through, summary_created_at,
       (SELECT json_group_array(json_array(m.id, m.role, m.content, m.created_at, json(m.tool_calls), m.prompt_version, m.tokens, json(m.usage))
                                ORDER BY m.position)
          FROM messages AS m
         WHERE m.conversation_id = conversations.id AND m.position >= conversations.message_count - ?) AS messages
  FROM conversations WHERE id = ? AND tenant_id = ?`;

/** One message of GET_CONVERSATION's array, in its column order. */
type MessageTuple = [
  id: string,
  role: 'user' | 'assistant',
  content: string,
  createdAt: number,
  toolCalls: ToolCallRecord[] | null,
  promptVersion: string | null,
  tokens: number | null,
  usage: MessageTokenUsage | null,
];

function toMessage([id, role, content, createdAt, toolCalls, promptVersion, tokens, usage]: MessageTuple): StoredMessage {
  const message: { -readonly [K in keyof StoredMessage]: StoredMessage[K] } = { id, role, content, createdAt: new Date(createdAt) };
  if (toolCalls !== null) message.toolCalls = toolCalls;
  if (promptVersion !== null) message.promptVersion = promptVersion;
  if (tokens !== null) message.tokens = tokens;
  if (usage !== null) message.usage = usage;
  return message;
}

function toolPluginKeys(messages: readonly NewMessage[]): string[] {
  const keys = new Set<string>();
  for (const message of messages) {
    for (const call of message.toolCalls ?? []) {
      if (call.plugin === undefined) continue;
      keys.add(call.plugin);
      if (call.pluginVersion !== undefined) keys.add(`${call.plugin}@${call.pluginVersion}`);
    }
  }
  return [...keys];
}

function conflict(id: string, expectedVersion: number, actualVersion: number): HostError {
  return new HostError(
    'HOST_CONVERSATION_CONFLICT',
    `conversation ${id} was changed concurrently (expected version ${expectedVersion}, found ${actualVersion})`,
    { meta: { argument: 'conversation_id' } },
  );
}

function notFound(id: string): HostError {
  return new HostError('HOST_CONVERSATION_NOT_FOUND', `conversation ${id} not found`, { meta: { argument: 'conversation_id' } });
}

function notOpen(): HostError {
  return new HostError('HOST_STORE_UNAVAILABLE', 'embedded conversation store is not open (call init() first)');
}

function normalizeId(id: string): string | undefined {
  return isObjectIdHex(id) ? id.toLowerCase() : undefined;
}

/**
 * ConversationStore in one SQLite file (better-sqlite3): the default when MONGODB_URL is unset.
 * Same semantics as the MongoDB store: 24-hex time-prefixed ids, tenant scoping on every query,
 * appends as one transaction that checks and bumps the version.
 */
export class EmbeddedConversationStore implements ConversationStore {
  readonly kind = 'embedded' as const;
  /** Absolute or relative path of the database file. */
  readonly path: string;
  readonly #dataDir: string;
  readonly #now: () => Date;
  readonly #logger: Logger | undefined;
  #database: Database.Database | undefined;
  readonly #backgroundCheckpoints: boolean;
  #checkpointer: WalCheckpointer | undefined;
  // Every write goes through it: those of one event-loop turn commit together (see group-commit.ts),
  // and none meets the checkpoint thread's RESTART on the event loop (checkpoint-handshake.ts).
  #writes: GroupCommit | undefined;
  // Preparing a statement cost more than running it on the chat path (bench:chat profile); the SQL
  // texts are a small fixed set, so each is prepared once per open database.
  readonly #statements = new Map<string, Database.Statement>();

  constructor(options: EmbeddedConversationStoreOptions) {
    this.#dataDir = options.dataDir;
    this.path = join(options.dataDir, options.fileName ?? 'acai.db');
    this.#now = options.now ?? (() => new Date());
    this.#logger = options.logger;
    this.#backgroundCheckpoints = options.backgroundCheckpoints ?? false;
  }

  async init(): Promise<void> {
    if (this.#database) return;
    try {
      mkdirSync(this.#dataDir, { recursive: true });
      const database = new Database(this.path);
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
      database.pragma('foreign_keys = ON');
      database.pragma('busy_timeout = 5000');
      const version = database.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        database.close();
        throw new HostError(
          'HOST_CONFIG_INVALID',
          `${this.path} was written by a newer Acai (schema ${version}, this build knows ${SCHEMA_VERSION}); upgrade Acai or point ACAI_DATA_DIR elsewhere`,
        );
      }
      database.exec(SCHEMA);
      addMissingColumns(database);
      makeSessionIndexesPartial(database);
      for (const index of DROPPED_INDEXES) database.exec(`DROP INDEX IF EXISTS ${index}`);
      database.pragma(`user_version = ${SCHEMA_VERSION}`);
      registerContainsFunction(database);
      let handshake: CheckpointHandshake | undefined;
      if (this.#backgroundCheckpoints) {
        database.pragma('wal_autocheckpoint = 0');
        // After a checkpoint rewinds the WAL, the file is cut back to this size.
        database.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
        handshake = new CheckpointHandshake();
        this.#checkpointer = startWalCheckpointer(this.path, { logger: this.#logger, handshake });
      }
      this.#database = database;
      // Every write names its own operation (#write); this is only the default.
      this.#writes = new GroupCommit(database, {
        failure: (error) => storeUnavailable('write', error),
        ...(handshake ? { guard: handshake } : {}),
      });
      this.#logger?.debug({ path: this.path }, 'embedded conversation store opened');
    } catch (error) {
      throw storeUnavailable('init', error);
    }
  }

  async create(input: CreateConversationInput): Promise<Conversation> {
    const now = this.#now();
    const id = chosenOrNewObjectIdHex(input.id, now);
    const stored = input.messages.map((message) => this.#toStored(message, now));
    await this.#write('create', () => {
      this.#statement(
        `INSERT INTO conversations (id, tenant_id, title, created_at, updated_at, platform, chat_id, user_id, version, message_count)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        input.tenantId,
        input.title,
        now.getTime(),
        now.getTime(),
        input.session?.platform ?? null,
        input.session?.chatId ?? null,
        input.session?.userId ?? null,
        stored.length > 0 ? 1 : 0,
        stored.length,
      );
      this.#insertMessages(input.tenantId, id, 0, stored, now);
    });
    const header: { -readonly [K in keyof ConversationHeader]: ConversationHeader[K] } = {
      id,
      tenantId: input.tenantId,
      title: input.title,
      createdAt: now,
      updatedAt: now,
      messageCount: stored.length,
      version: stored.length > 0 ? 1 : 0,
    };
    if (input.session) header.session = { ...input.session };
    return { ...header, messages: stored, firstMessageIndex: 0 };
  }

  async get(tenantId: string, id: string, options: { recentMessages?: number } = {}): Promise<Conversation | undefined> {
    const normalized = normalizeId(id);
    if (normalized === undefined) return undefined;
    this.#open(); // throws when the store is closed
    try {
      const recent = options.recentMessages === undefined ? Number.MAX_SAFE_INTEGER : Math.max(0, options.recentMessages);
      const row = this.#statement(GET_CONVERSATION).get(recent, normalized, tenantId) as (ConversationRow & { messages: string }) | undefined;
      if (!row) return undefined;
      const messages = (JSON.parse(row.messages) as MessageTuple[]).map(toMessage);
      const conversation: { -readonly [K in keyof Conversation]: Conversation[K] } = {
        ...toHeader(row),
        messages,
        firstMessageIndex: row.message_count - messages.length,
      };
      if (row.summary_content !== null && row.summary_covers_through !== null && row.summary_created_at !== null) {
        conversation.summary = {
          content: row.summary_content,
          coversThroughIndex: row.summary_covers_through,
          createdAt: new Date(row.summary_created_at),
        };
      }
      return conversation;
    } catch (error) {
      throw storeUnavailable('get', error);
    }
  }

  async append(
    tenantId: string,
    id: string,
    messages: readonly NewMessage[],
    options: { expectedVersion?: number } = {},
  ): Promise<{ version: number } | undefined> {
    const normalized = normalizeId(id);
    if (normalized === undefined) return undefined;
    const now = this.#now();
    const stored = messages.map((message) => this.#toStored(message, now));
    // IMMEDIATE (the batch's transaction) takes the write lock before reading the version, so a second
    // process cannot slip in between the check and the insert; an earlier append of the same batch
    // to the same conversation is already visible here, so both land in order with distinct versions.
    return this.#write('append', (): { version: number } | undefined => {
      const row = this.#statement(`SELECT version, message_count FROM conversations WHERE id = ? AND tenant_id = ?`)
        .get(normalized, tenantId) as Pick<ConversationRow, 'version' | 'message_count'> | undefined;
      if (!row) return undefined;
      if (options.expectedVersion !== undefined && row.version !== options.expectedVersion) {
        throw conflict(normalized, options.expectedVersion, row.version);
      }
      if (stored.length === 0) return { version: row.version };
      this.#insertMessages(tenantId, normalized, row.message_count, stored, now);
      this.#statement(`UPDATE conversations SET version = version + 1, message_count = ?, updated_at = max(updated_at, ?) WHERE id = ?`)
        .run(row.message_count + stored.length, now.getTime(), normalized);
      return { version: row.version + 1 };
    });
  }

  async setTitle(tenantId: string, id: string, title: string, options: { ifTitle?: string } = {}): Promise<boolean> {
    if (options.ifTitle === undefined) return this.#updateHeader(tenantId, id, 'setTitle', 'title = ?', [title]);
    // Conditional: decided in one statement, so a rename that lands first always wins.
    const normalized = normalizeId(id);
    if (normalized === undefined) throw notFound(id);
    const ifTitle = options.ifTitle;
    return this.#write('setTitle', () => {
      const changes = this.#statement(`UPDATE conversations SET title = ? WHERE id = ? AND tenant_id = ? AND title = ?`).run(title, normalized, tenantId, ifTitle).changes;
      if (changes > 0) return true;
      if (this.#statement(`SELECT 1 FROM conversations WHERE id = ? AND tenant_id = ?`).get(normalized, tenantId) === undefined) throw notFound(id);
      return false;
    });
  }

  async setSummary(tenantId: string, id: string, summary: ConversationSummary): Promise<void> {
    await this.#updateHeader(tenantId, id, 'setSummary', 'summary_content = ?, summary_covers_through = ?, summary_created_at = ?', [
      summary.content,
      summary.coversThroughIndex,
      summary.createdAt.getTime(),
    ]);
  }

  async list(tenantId: string, options: ListConversationsOptions): Promise<ConversationPage> {
    const pageSize = checkPageSize(options.pageSize);
    const { order, after } = listingStart(tenantId, options);
    this.#open(); // throws when the store is closed
    try {
      return pageFrom(tenantId, this.#readHeaders(tenantId, order, after, pageSize + 1, options.userId), pageSize, order);
    } catch (error) {
      throw storeUnavailable('list', error);
    }
  }

  async search(tenantId: string, options: SearchConversationsOptions): Promise<ConversationPage> {
    const titleMatches = containsText(options.query);
    this.#open(); // throws when the store is closed
    try {
      return await searchByScan(tenantId, options, {
        readHeaders: async (after, limit) => this.#readHeaders(tenantId, 'updated', after, limit),
        matchingIds: async (headers) => {
          const matched = new Set(headers.filter((header) => titleMatches(header.title)).map((header) => header.id));
          const rest = headers.filter((header) => !matched.has(header.id)).map((header) => header.id);
          if (rest.length === 0) return matched;
          // The batch's ids are this tenant's (read just above), so the message check needs no tenant join.
          const rows = this.#open()
            .prepare(
              `SELECT DISTINCT conversation_id FROM messages
               WHERE conversation_id IN (${rest.map(() => '?').join(', ')}) AND ${CONTAINS_FUNCTION}(content, ?)`,
            )
            .all(...rest, options.query) as Array<{ conversation_id: string }>;
          for (const row of rows) matched.add(row.conversation_id);
          return matched;
        },
      });
    } catch (error) {
      throw storeUnavailable('search', error);
    }
  }

  async remove(tenantId: string, id: string, options: { ifUpdatedBefore?: Date } = {}): Promise<RemovedConversation | undefined> {
    const normalized = normalizeId(id);
    if (normalized === undefined) return undefined;
    // One transaction: the header, its messages and tool-use rows (ON DELETE CASCADE) go together.
    return this.#write('remove', (): RemovedConversation | undefined => {
      const row = this.#statement(`SELECT ${HEADER_COLUMNS} FROM conversations WHERE id = ? AND tenant_id = ?`).get(normalized, tenantId) as
        | ConversationRow
        | undefined;
      if (!row) return undefined;
      if (options.ifUpdatedBefore !== undefined && row.updated_at >= options.ifUpdatedBefore.getTime()) return undefined;
      const first = this.#statement(`SELECT content FROM messages WHERE conversation_id = ? AND position = 0`).get(normalized) as
        | { content: string }
        | undefined;
      this.#statement(`DELETE FROM conversations WHERE id = ? AND tenant_id = ?`).run(normalized, tenantId);
      return { header: toHeader(row), ...(first === undefined ? {} : { firstMessage: first.content }) };
    });
  }

  async replaceLastMessage(tenantId: string, id: string, messageId: string, replacement: NewMessage): Promise<{ version: number } | undefined> {
    const normalized = normalizeId(id);
    if (normalized === undefined) return undefined;
    const now = this.#now();
    const stored = this.#toStored(replacement, now);
    return this.#write('replaceLastMessage', (): { version: number } | undefined => {
      const row = this.#statement(`SELECT version, message_count FROM conversations WHERE id = ? AND tenant_id = ?`).get(normalized, tenantId) as
        | Pick<ConversationRow, 'version' | 'message_count'>
        | undefined;
      if (!row) return undefined;
      const last = this.#statement(`SELECT id, role FROM messages WHERE conversation_id = ? AND position = ?`).get(normalized, row.message_count - 1) as
        | Pick<MessageRow, 'id' | 'role'>
        | undefined;
      if (!last || last.id !== messageId || last.role !== 'assistant') throw lastMessageConflict(normalized, messageId);
      this.#statement(`DELETE FROM messages WHERE conversation_id = ? AND position = ?`).run(normalized, row.message_count - 1);
      this.#insertMessages(tenantId, normalized, row.message_count - 1, [stored], now);
      this.#statement(`UPDATE conversations SET updated_at = max(updated_at, ?) WHERE id = ?`).run(now.getTime(), normalized);
      return { version: row.version };
    });
  }

  async listUntouched(scope: UntouchedScope, before: Date, limit: number): Promise<readonly ConversationHeader[]> {
    this.#open(); // throws when the store is closed
    try {
      const tenantIds = 'tenantId' in scope ? [scope.tenantId] : this.#tenantIds().filter((tenantId) => !scope.exceptTenantIds.includes(tenantId));
      // Oldest first across tenants: each tenant's oldest come from its (tenant_id, updated_at) index,
      // and only the `limit` oldest so far are kept, which also bounds what the next tenant is asked for.
      let oldest: ConversationRow[] = [];
      for (const tenantId of tenantIds) {
        const bound = oldest.length >= limit ? oldest[limit - 1] : undefined;
        const rows = (
          bound === undefined
            ? this.#statement(`SELECT ${HEADER_COLUMNS} FROM conversations WHERE tenant_id = ? AND updated_at < ? ORDER BY updated_at, id LIMIT ?`).all(
                tenantId,
                before.getTime(),
                limit,
              )
            : this.#statement(
                `SELECT ${HEADER_COLUMNS} FROM conversations WHERE tenant_id = ? AND updated_at < ? AND (updated_at, id) < (?, ?) ORDER BY updated_at, id LIMIT ?`,
              ).all(tenantId, before.getTime(), bound.updated_at, bound.id, limit)
        ) as ConversationRow[];
        if (rows.length > 0) oldest = [...oldest, ...rows].sort(byUpdatedThenId).slice(0, limit);
      }
      return oldest.map(toHeader);
    } catch (error) {
      throw storeUnavailable('listUntouched', error);
    }
  }

  /** Every tenant with a conversation, one index seek each (a skip scan over conversations_tenant_updated). */
  #tenantIds(): string[] {
    const rows = this.#statement(
      `WITH RECURSIVE tenants (tenant_id) AS (
         SELECT min(tenant_id) FROM conversations
         UNION ALL
         SELECT (SELECT min(tenant_id) FROM conversations WHERE tenant_id > tenants.tenant_id) FROM tenants WHERE tenants.tenant_id IS NOT NULL
       )
       SELECT tenant_id FROM tenants WHERE tenant_id IS NOT NULL`,
    ).all() as Array<{ tenant_id: string }>;
    return rows.map((row) => row.tenant_id);
  }

  /** Headers of one tenant in `order`, newest first, strictly after `after`. */
  #readHeaders(tenantId: string, order: ConversationOrder, after: PagePosition | undefined, limit: number, userId?: string): ConversationHeader[] {
    const column = order === 'created' ? 'created_at' : 'updated_at';
    const conditions = ['tenant_id = ?'];
    const parameters: Array<string | number> = [tenantId];
    if (userId !== undefined) {
      conditions.push('user_id = ?');
      parameters.push(userId);
    }
    if (after !== undefined) {
      conditions.push(`(${column}, id) < (?, ?)`);
      parameters.push(after.at.getTime(), after.id);
    }
    const rows = this.#statement(`SELECT ${HEADER_COLUMNS} FROM conversations WHERE ${conditions.join(' AND ')} ORDER BY ${column} DESC, id DESC LIMIT ?`)
      .all(...parameters, limit) as ConversationRow[];
    return rows.map(toHeader);
  }

  async findLatestForSession(tenantId: string, session: SessionIdentity, updatedSince: Date): Promise<ConversationHeader | undefined> {
    this.#open(); // throws when the store is closed
    try {
      const row = this.#statement(
          `SELECT ${HEADER_COLUMNS} FROM conversations
           WHERE tenant_id = ? AND platform = ? AND chat_id = ? AND user_id = ? AND updated_at >= ?
           ORDER BY updated_at DESC, id DESC LIMIT 1`,
        )
        .get(tenantId, session.platform, session.chatId, session.userId, updatedSince.getTime()) as ConversationRow | undefined;
      return row ? toHeader(row) : undefined;
    } catch (error) {
      throw storeUnavailable('findLatestForSession', error);
    }
  }

  async findByToolProvenance(
    tenantId: string,
    plugin: string,
    pluginVersion?: string,
    limit: number = DEFAULT_PROVENANCE_LIMIT,
  ): Promise<readonly ConversationHeader[]> {
    const key = pluginVersion === undefined ? plugin : `${plugin}@${pluginVersion}`;
    this.#open(); // throws when the store is closed
    try {
      const rows = this.#statement(
          `SELECT ${HEADER_COLUMNS.split(', ').map((column) => `c.${column}`).join(', ')}
           FROM tool_uses u JOIN conversations c ON c.id = u.conversation_id
           WHERE u.tenant_id = ? AND u.plugin_key = ? AND c.tenant_id = ?
           ORDER BY u.used_at DESC, c.id DESC LIMIT ?`,
        )
        .all(tenantId, key, tenantId, limit) as ConversationRow[];
      return rows.map(toHeader);
    } catch (error) {
      throw storeUnavailable('findByToolProvenance', error);
    }
  }

  async ping(): Promise<void> {
    try {
      this.#statement('SELECT 1').get();
    } catch (error) {
      throw storeUnavailable('ping', error);
    }
  }

  async close(): Promise<void> {
    // The checkpoint thread ends first, so nothing holds the writes back; then the writes already
    // accepted commit (or fail) before the connection goes.
    await this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    this.#writes?.flush({ force: true });
    this.#writes = undefined;
    this.#statements.clear();
    this.#database?.close();
    this.#database = undefined;
  }

  #statement(sql: string): Database.Statement {
    let prepared = this.#statements.get(sql);
    if (prepared === undefined) {
      prepared = this.#open().prepare(sql);
      this.#statements.set(sql, prepared);
    }
    return prepared;
  }

  #writesOfOpenStore(): GroupCommit {
    if (!this.#writes) throw notOpen();
    return this.#writes;
  }

  #open(): Database.Database {
    if (!this.#database) throw notOpen();
    return this.#database;
  }

  #toStored(message: NewMessage, now: Date): StoredMessage {
    const stored: { -readonly [K in keyof StoredMessage]: StoredMessage[K] } = {
      id: message.id ?? createObjectIdHex(now),
      role: message.role,
      content: message.content,
      createdAt: message.createdAt ?? now,
    };
    if (message.toolCalls !== undefined && message.toolCalls.length > 0) stored.toolCalls = message.toolCalls;
    if (message.promptVersion !== undefined) stored.promptVersion = message.promptVersion;
    if (message.tokens !== undefined) stored.tokens = message.tokens;
    if (message.usage !== undefined) stored.usage = message.usage;
    return stored;
  }

  #insertMessages(
    tenantId: string,
    conversationId: string,
    firstPosition: number,
    messages: readonly StoredMessage[],
    now: Date,
  ): void {
    const insert = this.#statement(
      `INSERT INTO messages (conversation_id, position, id, role, content, created_at, tool_calls, prompt_version, tokens, usage)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    messages.forEach((message, offset) => {
      insert.run(
        conversationId,
        firstPosition + offset,
        message.id,
        message.role,
        message.content,
        message.createdAt.getTime(),
        message.toolCalls === undefined ? null : JSON.stringify(message.toolCalls),
        message.promptVersion ?? null,
        message.tokens ?? null,
        message.usage === undefined ? null : JSON.stringify({ promptTokens: message.usage.promptTokens, completionTokens: message.usage.completionTokens }),
      );
    });
    const recordUse = this.#statement(
      `INSERT INTO tool_uses (tenant_id, plugin_key, conversation_id, used_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant_id, plugin_key, conversation_id) DO UPDATE SET used_at = excluded.used_at WHERE excluded.used_at > tool_uses.used_at`,
    );
    for (const key of toolPluginKeys(messages)) recordUse.run(tenantId, key, conversationId, now.getTime());
  }

  async #updateHeader(tenantId: string, id: string, operation: string, assignments: string, values: Array<string | number>): Promise<boolean> {
    const normalized = normalizeId(id);
    if (normalized === undefined) throw notFound(id);
    const changes = await this.#write(
      operation,
      () => this.#statement(`UPDATE conversations SET ${assignments} WHERE id = ? AND tenant_id = ?`).run(...values, normalized, tenantId).changes,
    );
    if (changes === 0) throw notFound(id);
    return true;
  }

  /** Runs a write's `work` (synchronous, no awaits) through the group commit; what it throws becomes `operation`'s error. */
  #write<T>(operation: string, work: () => T): Promise<T> {
    return this.#writesOfOpenStore().run(work, (error) => storeUnavailable(operation, error));
  }
}

function byUpdatedThenId(left: ConversationRow, right: ConversationRow): number {
  return left.updated_at - right.updated_at || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0);
}

function addMissingColumns(database: Database.Database): void {
  for (const { table, column, definition } of ADDED_COLUMNS) {
    const columns = database.pragma(`table_info(${table})`) as Array<{ name: string }>;
    if (!columns.some((existing) => existing.name === column)) database.exec(`ALTER TABLE ${table} ADD COLUMN ${definition}`);
  }
}

function registerContainsFunction(database: Database.Database): void {
  const cache = new Map<string, (text: string) => boolean>();
  database.function(CONTAINS_FUNCTION, { deterministic: true }, (text: unknown, query: unknown) => {
    if (typeof text !== 'string' || typeof query !== 'string') return 0;
    let contains = cache.get(query);
    if (contains === undefined) {
      if (cache.size > 16) cache.clear();
      contains = containsText(query);
      cache.set(query, contains);
    }
    return contains(text) ? 1 : 0;
  });
}
