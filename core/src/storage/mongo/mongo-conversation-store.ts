import { MongoClient, MongoServerError, ObjectId, type Collection, type Db, type Filter, type IndexDescription } from 'mongodb';
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
  NewMessage,
  RemovedConversation,
  SearchConversationsOptions,
  SessionIdentity,
  StoredMessage,
  UntouchedScope,
} from '../conversation-store.js';
import { KeyedSerializer } from '../keyed-serializer.js';
import { lastMessageConflict } from '../last-message-conflict.js';
import { ensureIndexes } from './ensure-indexes.js';
import { chosenOrNewObjectIdHex, isObjectIdHex } from '../object-id.js';
import { checkPageSize, listingStart, pageFrom, type PagePosition } from '../page-token.js';
import { containsText, literalPattern, searchByScan } from '../search-scan.js';
import { storeUnavailable } from '../store-unavailable.js';
import {
  HEADER_PROJECTION,
  fromConversationDocument,
  fromMessageDocument,
  fromSummaryDocument,
  toMessageDocument,
  toolPluginKeys,
  turnId,
  turnIdRange,
  type ConversationDocument,
  type TurnDocument,
} from './mongo-documents.js';

/** Options for {@link MongoConversationStore}. */
export interface MongoConversationStoreOptions {
  /** mongodb:// or mongodb+srv:// URL; ignored when `client` is given. */
  url?: string;
  /** A shared client (one Mongo client per process); the store then does not close it. */
  client?: MongoClient;
  /** Database name; default: the one in the URL path, else `acai`. */
  databaseName?: string;
  logger?: Logger;
  /** Injectable clock for timestamps (tests). */
  now?: () => Date;
  /** How long an operation waits for a reachable server before failing (default 5000 ms). */
  serverSelectionTimeoutMs?: number;
}

const DUPLICATE_KEY = 11000;
// A writer that keeps losing the race for the next version gives up eventually instead of spinning.
const MAX_APPEND_ATTEMPTS = 100;
const DEFAULT_PROVENANCE_LIMIT = 100;

function databaseNameFromUrl(url: string | undefined): string | undefined {
  const match = url === undefined ? null : /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

function parseObjectId(id: string): ObjectId | undefined {
  return isObjectIdHex(id) ? new ObjectId(id.toLowerCase()) : undefined;
}

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
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

/**
 * ConversationStore on MongoDB (production) and MongoDB-wire servers such as FerretDB (CI).
 *
 * Layout: a small header per conversation in `conversations`, and an append log in
 * `conversation_turns` with one document per append whose `_id` is `<conversation>:<version>`.
 * Why not `$push` into an embedded array: appending by inserting a uniquely keyed document is atomic
 * on every MongoDB-wire server, whereas FerretDB 1.x applies updates as read-modify-write without a
 * lock (measured: 50 concurrent `$push`es kept 4–16 of 50, and a version-filtered update let several
 * writers win). The log also keeps appends O(1) and lets reads fetch only the newest turns.
 * Header fields (`version`, `message_count`, `updated_at`) are hints maintained with `$max`;
 * reads take version and count from the newest turn.
 */
export class MongoConversationStore implements ConversationStore {
  readonly kind = 'mongodb' as const;
  readonly #client: MongoClient;
  readonly #ownsClient: boolean;
  readonly #database: Db;
  readonly #conversations: Collection<ConversationDocument>;
  readonly #turns: Collection<TurnDocument>;
  readonly #logger: Logger | undefined;
  readonly #now: () => Date;
  // Per-conversation queue inside this process: appends wait for each other instead of racing for
  // the same version, and header writes cannot interleave (FerretDB would lose one of them).
  readonly #serializer = new KeyedSerializer();

  constructor(options: MongoConversationStoreOptions) {
    if (options.client) {
      this.#client = options.client;
      this.#ownsClient = false;
    } else {
      if (!options.url) throw new Error('MongoConversationStore needs a url or a client');
      this.#client = new MongoClient(options.url, {
        appName: 'acai',
        ignoreUndefined: true,
        serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5000,
      });
      this.#ownsClient = true;
    }
    this.#database = this.#client.db(options.databaseName ?? databaseNameFromUrl(options.url) ?? 'acai');
    this.#conversations = this.#database.collection<ConversationDocument>('conversations');
    this.#turns = this.#database.collection<TurnDocument>('conversation_turns');
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
  }

  /** The database this store writes to. */
  get databaseName(): string {
    return this.#database.databaseName;
  }

  async init(): Promise<void> {
    try {
      await this.#ensureIndexes(this.#conversations, [
        // List: newest first, keyset paging on (updated_at, _id).
        { key: { tenant_id: 1, updated_at: -1, _id: -1 }, name: 'tenant_updated' },
        { key: { tenant_id: 1, user_id: 1, updated_at: -1, _id: -1 }, name: 'tenant_user_updated' },
        // The unpaged listing old clients ask for: newest created first.
        { key: { tenant_id: 1, created_at: -1, _id: -1 }, name: 'tenant_created' },
        // Retention across tenants: the conversations untouched the longest.
        { key: { updated_at: 1 }, name: 'updated' },
        // Session recovery when Redis misses or is down.
        { key: { tenant_id: 1, platform: 1, chat_id: 1, user_id: 1, updated_at: -1 }, name: 'tenant_session_updated' },
      ]);
      await this.#ensureIndexes(this.#turns, [
        // Provenance: "which conversations ran weather@1.2.0?"
        { key: { tenant_id: 1, tool_plugins: 1, created_at: -1 }, name: 'tenant_tool_plugins_created' },
        // Search: the message text of a batch of conversations.
        { key: { tenant_id: 1, conversation_id: 1 }, name: 'tenant_conversation' },
      ]);
    } catch (error) {
      throw storeUnavailable('init', error);
    }
  }

  /** Creates only the missing indexes (see {@link ensureIndexes}). */
  async #ensureIndexes(collection: Collection<ConversationDocument> | Collection<TurnDocument>, indexes: IndexDescription[]): Promise<void> {
    await ensureIndexes(collection as Collection<ConversationDocument>, indexes);
  }

  async create(input: CreateConversationInput): Promise<Conversation> {
    const now = this.#now();
    const hex = chosenOrNewObjectIdHex(input.id, now);
    const messages = input.messages.map((message) => toMessageDocument(message, now));
    const header: ConversationDocument = {
      _id: new ObjectId(hex),
      tenant_id: input.tenantId,
      title: input.title,
      created_at: now,
      updated_at: now,
      version: messages.length > 0 ? 1 : 0,
      message_count: messages.length,
    };
    if (input.session) {
      header.platform = input.session.platform;
      header.chat_id = input.session.chatId;
      header.user_id = input.session.userId;
    }
    try {
      // The turn first, then the header: the conversation becomes visible together with its messages.
      if (messages.length > 0) await this.#turns.insertOne(this.#turnDocument(header, 1, 0, messages, now));
      await this.#conversations.insertOne(header);
    } catch (error) {
      throw storeUnavailable('create', error);
    }
    return { ...fromConversationDocument(header), messages: messages.map(fromMessageDocument), firstMessageIndex: 0 };
  }

  async get(tenantId: string, id: string, options: { recentMessages?: number } = {}): Promise<Conversation | undefined> {
    const objectId = parseObjectId(id);
    if (!objectId) return undefined;
    try {
      const header = await this.#conversations.findOne({ _id: objectId });
      if (!header || header.tenant_id !== tenantId) return undefined;
      const hex = objectId.toHexString();
      const wanted = options.recentMessages === undefined ? undefined : Math.max(0, options.recentMessages);
      // Newest turns first over the _id index; the batch is sized from the header's average turn
      // length so one round trip usually brings everything needed, however long the history is.
      const averagePerTurn = header.version > 0 ? Math.max(1, header.message_count / header.version) : 2;
      const batchSize = wanted === undefined ? 1000 : Math.min(1000, Math.max(2, Math.ceil(wanted / averagePerTurn) + 1));
      const cursor = this.#turns.find({ _id: turnIdRange(hex) }).sort({ _id: -1 }).batchSize(batchSize);
      const newestFirst: TurnDocument[] = [];
      let collected = 0;
      try {
        for await (const turn of cursor) {
          newestFirst.push(turn);
          collected += turn.messages.length;
          if (wanted !== undefined && collected >= wanted) break;
        }
      } finally {
        await cursor.close();
      }
      const latest = newestFirst[0];
      const messageCount = latest ? latest.end_index : 0;
      let messages: StoredMessage[] = [];
      for (let index = newestFirst.length - 1; index >= 0; index -= 1) {
        for (const message of newestFirst[index]!.messages) messages.push(fromMessageDocument(message));
      }
      if (wanted !== undefined && messages.length > wanted) messages = messages.slice(messages.length - wanted);
      const conversation: { -readonly [K in keyof Conversation]: Conversation[K] } = {
        ...fromConversationDocument(header),
        version: latest ? latest.version : 0,
        messageCount,
        updatedAt: latest && latest.created_at > header.updated_at ? latest.created_at : header.updated_at,
        messages,
        firstMessageIndex: messageCount - messages.length,
      };
      if (header.summary) conversation.summary = fromSummaryDocument(header.summary);
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
    const objectId = parseObjectId(id);
    if (!objectId) return undefined;
    const hex = objectId.toHexString();
    const expected = options.expectedVersion;
    return this.#serializer.run(hex, async () => {
      try {
        const header = await this.#conversations.findOne({ _id: objectId }, { projection: { tenant_id: 1, version: 1, message_count: 1 } });
        if (!header || header.tenant_id !== tenantId) return undefined;
        // The header holds a (version, message_count) pair that was true at some point: both only
        // grow, together. Start there and move forward when a newer turn already exists.
        let base = header.version;
        let startIndex = header.message_count;
        if (expected !== undefined && expected !== base) {
          if (expected < base) throw conflict(hex, expected, base);
          const turn = await this.#readTurn(hex, expected);
          if (!turn) throw conflict(hex, expected, base);
          base = expected;
          startIndex = turn.end_index;
        }
        if (messages.length === 0) {
          for (let turn = await this.#readTurn(hex, base + 1); turn; turn = await this.#readTurn(hex, turn.version + 1)) base = turn.version;
          return { version: base };
        }
        for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt += 1) {
          const now = this.#now();
          const documents = messages.map((message) => toMessageDocument(message, now));
          try {
            await this.#turns.insertOne(this.#turnDocument({ _id: objectId, tenant_id: tenantId }, base + 1, startIndex, documents, now));
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
            // Another writer (another process, or a header that lagged) already has this version.
            if (expected !== undefined) throw conflict(hex, expected, base + 1);
            const taken = await this.#readTurn(hex, base + 1);
            if (!taken) throw error;
            base = taken.version;
            startIndex = taken.end_index;
            continue;
          }
          await this.#refreshHeader(objectId, base + 1, startIndex + documents.length, now);
          return { version: base + 1 };
        }
        throw new HostError('HOST_CONVERSATION_CONFLICT', `conversation ${hex} is being appended to too concurrently; try again`, {
          meta: { argument: 'conversation_id' },
        });
      } catch (error) {
        throw storeUnavailable('append', error);
      }
    });
  }

  async setTitle(tenantId: string, id: string, title: string, options: { ifTitle?: string } = {}): Promise<boolean> {
    return this.#updateHeader(tenantId, id, 'setTitle', { title }, options.ifTitle);
  }

  async setSummary(tenantId: string, id: string, summary: ConversationSummary): Promise<void> {
    await this.#updateHeader(tenantId, id, 'setSummary', {
      summary: { content: summary.content, covers_through_index: summary.coversThroughIndex, created_at: summary.createdAt },
    });
  }

  async list(tenantId: string, options: ListConversationsOptions): Promise<ConversationPage> {
    const pageSize = checkPageSize(options.pageSize);
    const { order, after } = listingStart(tenantId, options);
    try {
      const documents = await this.#readHeaders(tenantId, order, after, pageSize + 1, options.userId);
      return pageFrom(tenantId, documents, pageSize, order);
    } catch (error) {
      throw storeUnavailable('list', error);
    }
  }

  async search(tenantId: string, options: SearchConversationsOptions): Promise<ConversationPage> {
    const titleMatches = containsText(options.query);
    const pattern = literalPattern(options.query);
    try {
      return await searchByScan(tenantId, options, {
        readHeaders: (after, limit) => this.#readHeaders(tenantId, 'updated', after, limit),
        matchingIds: async (headers) => {
          const matched = new Set(headers.filter((header) => titleMatches(header.title)).map((header) => header.id));
          const rest = headers.filter((header) => !matched.has(header.id)).map((header) => new ObjectId(header.id));
          if (rest.length === 0) return matched;
          // One query per batch over the turn log; a case-insensitive regex of the escaped text, which
          // MongoDB and FerretDB both evaluate (neither needs a text index for it).
          const turns = await this.#turns
            .find(
              { tenant_id: tenantId, conversation_id: { $in: rest }, 'messages.content': { $regex: pattern, $options: 'i' } },
              { projection: { conversation_id: 1 } },
            )
            .toArray();
          for (const turn of turns) matched.add(turn.conversation_id.toHexString());
          return matched;
        },
      });
    } catch (error) {
      throw storeUnavailable('search', error);
    }
  }

  async remove(tenantId: string, id: string, options: { ifUpdatedBefore?: Date } = {}): Promise<RemovedConversation | undefined> {
    const objectId = parseObjectId(id);
    if (!objectId) return undefined;
    const hex = objectId.toHexString();
    return this.#serializer.run(hex, async () => {
      try {
        const turnsOfIt = { _id: turnIdRange(hex), tenant_id: tenantId };
        const header = await this.#conversations.findOne({ _id: objectId, tenant_id: tenantId }, { projection: HEADER_PROJECTION });
        if (!header) {
          // Turns without a header are what a create that failed half-way leaves: the same tenant's, so cleared too.
          await this.#turns.deleteMany(turnsOfIt);
          return undefined;
        }
        const newest = await this.#turns.find({ _id: turnIdRange(hex) }).sort({ _id: -1 }).limit(1).next();
        const lastTouched = newest && newest.created_at > header.updated_at ? newest.created_at : header.updated_at;
        if (options.ifUpdatedBefore !== undefined && lastTouched >= options.ifUpdatedBefore) return undefined;
        const first = await this.#turns.findOne({ _id: turnId(hex, 1) });
        // The header first, so the conversation is gone for readers at once; then its turns, twice: the
        // second pass takes a turn another replica appended between its own check and the header delete.
        const { deletedCount } = await this.#conversations.deleteOne({ _id: objectId, tenant_id: tenantId });
        await this.#turns.deleteMany(turnsOfIt);
        await this.#turns.deleteMany(turnsOfIt);
        if (deletedCount === 0) return undefined;
        const firstMessage = first?.messages[0]?.content;
        return { header: fromConversationDocument(header), ...(firstMessage === undefined ? {} : { firstMessage }) };
      } catch (error) {
        throw storeUnavailable('remove', error);
      }
    });
  }

  async replaceLastMessage(tenantId: string, id: string, messageId: string, replacement: NewMessage): Promise<{ version: number } | undefined> {
    const objectId = parseObjectId(id);
    if (!objectId) return undefined;
    const hex = objectId.toHexString();
    return this.#serializer.run(hex, async () => {
      try {
        const header = await this.#conversations.findOne({ _id: objectId }, { projection: { tenant_id: 1 } });
        if (!header || header.tenant_id !== tenantId) return undefined;
        const newest = await this.#turns.find({ _id: turnIdRange(hex) }).sort({ _id: -1 }).limit(1).next();
        const last = newest?.messages[newest.messages.length - 1];
        if (!newest || !last || last._id !== messageId || last.role !== 'assistant') throw lastMessageConflict(hex, messageId);
        const now = this.#now();
        const messages = [...newest.messages.slice(0, -1), toMessageDocument(replacement, now)];
        const replaced: TurnDocument = this.#turnDocument(newest, newest.version, newest.first_index, messages, newest.created_at);
        // Replacing the whole turn document is atomic on every MongoDB-wire server (FerretDB 1.x applies
        // partial updates as read-modify-write). The filter makes a concurrent regeneration lose cleanly.
        const { matchedCount } = await this.#turns.replaceOne({ _id: newest._id, 'messages._id': messageId }, replaced);
        if (matchedCount === 0) throw lastMessageConflict(hex, messageId);
        await this.#refreshHeader(objectId, newest.version, newest.end_index, now);
        return { version: newest.version };
      } catch (error) {
        throw storeUnavailable('replaceLastMessage', error);
      }
    });
  }

  async listUntouched(scope: UntouchedScope, before: Date, limit: number): Promise<readonly ConversationHeader[]> {
    const tenant = 'tenantId' in scope ? { tenant_id: scope.tenantId } : scope.exceptTenantIds.length > 0 ? { tenant_id: { $nin: [...scope.exceptTenantIds] } } : {};
    try {
      const documents = await this.#conversations
        .find({ ...tenant, updated_at: { $lt: before } }, { projection: HEADER_PROJECTION })
        .sort({ updated_at: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return documents.map(fromConversationDocument);
    } catch (error) {
      throw storeUnavailable('listUntouched', error);
    }
  }

  /** Headers of one tenant in `order`, newest first, strictly after `after`. */
  async #readHeaders(tenantId: string, order: ConversationOrder, after: PagePosition | undefined, limit: number, userId?: string): Promise<ConversationHeader[]> {
    const field = order === 'created' ? 'created_at' : 'updated_at';
    const filter: Filter<ConversationDocument> = { tenant_id: tenantId };
    if (userId !== undefined) filter.user_id = userId;
    if (after !== undefined) {
      filter.$or = [{ [field]: { $lt: after.at } }, { [field]: after.at, _id: { $lt: new ObjectId(after.id) } }];
    }
    const documents = await this.#conversations
      .find(filter, { projection: HEADER_PROJECTION })
      .sort({ [field]: -1, _id: -1 })
      .limit(limit)
      .toArray();
    return documents.map(fromConversationDocument);
  }

  async findLatestForSession(tenantId: string, session: SessionIdentity, updatedSince: Date): Promise<ConversationHeader | undefined> {
    try {
      const document = await this.#conversations.findOne(
        {
          tenant_id: tenantId,
          platform: session.platform,
          chat_id: session.chatId,
          user_id: session.userId,
          updated_at: { $gte: updatedSince },
        },
        { projection: HEADER_PROJECTION, sort: { updated_at: -1, _id: -1 } },
      );
      return document ? fromConversationDocument(document) : undefined;
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
    try {
      const cursor = this.#turns
        .find({ tenant_id: tenantId, tool_plugins: key }, { projection: { conversation_id: 1 } })
        .sort({ created_at: -1 })
        .batchSize(Math.min(1000, limit * 2));
      const ids: ObjectId[] = [];
      const seen = new Set<string>();
      try {
        for await (const turn of cursor) {
          const hex = turn.conversation_id.toHexString();
          if (seen.has(hex)) continue;
          seen.add(hex);
          ids.push(turn.conversation_id);
          if (ids.length >= limit) break;
        }
      } finally {
        await cursor.close();
      }
      if (ids.length === 0) return [];
      const documents = await this.#conversations.find({ _id: { $in: ids }, tenant_id: tenantId }, { projection: HEADER_PROJECTION }).toArray();
      const byId = new Map(documents.map((document) => [document._id.toHexString(), fromConversationDocument(document)]));
      // Most recent use first.
      return ids.flatMap((objectId) => byId.get(objectId.toHexString()) ?? []);
    } catch (error) {
      throw storeUnavailable('findByToolProvenance', error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.#database.command({ ping: 1 });
    } catch (error) {
      throw storeUnavailable('ping', error);
    }
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.close();
  }

  /** One turn by its exact `_id` (only needed off the happy path: a lagging header, an expectedVersion check). */
  #readTurn(hex: string, version: number): Promise<TurnDocument | null> {
    if (version < 1) return Promise.resolve(null);
    return this.#turns.findOne({ _id: turnId(hex, version) });
  }

  #turnDocument(
    conversation: Pick<ConversationDocument, 'tenant_id'> & ({ _id: ObjectId } | { conversation_id: ObjectId }),
    version: number,
    firstIndex: number,
    messages: TurnDocument['messages'],
    now: Date,
  ): TurnDocument {
    const conversationId = 'conversation_id' in conversation ? conversation.conversation_id : conversation._id;
    const turn: TurnDocument = {
      _id: turnId(conversationId.toHexString(), version),
      conversation_id: conversationId,
      tenant_id: conversation.tenant_id,
      version,
      first_index: firstIndex,
      end_index: firstIndex + messages.length,
      created_at: now,
      messages,
    };
    const plugins = toolPluginKeys(messages);
    if (plugins.length > 0) turn.tool_plugins = plugins;
    return turn;
  }

  async #refreshHeader(objectId: ObjectId, version: number, messageCount: number, now: Date): Promise<void> {
    try {
      // Filter on _id alone (tenant was checked by the caller): the cheapest update on every MongoDB-wire server.
      await this.#conversations.updateOne({ _id: objectId }, { $max: { version, message_count: messageCount, updated_at: now } });
    } catch (error) {
      // The turn is stored; a stale header only delays the conversation's place in List until the next append.
      this.#logger?.warn({ err: error, conversationId: objectId.toHexString() }, 'conversation header update failed after append');
    }
  }

  async #updateHeader(
    tenantId: string,
    id: string,
    operation: string,
    fields: Partial<Pick<ConversationDocument, 'title' | 'summary'>>,
    ifTitle?: string,
  ): Promise<boolean> {
    const objectId = parseObjectId(id);
    if (!objectId) throw notFound(id);
    return this.#serializer.run(objectId.toHexString(), async () => {
      try {
        const header = await this.#conversations.findOne({ _id: objectId }, { projection: { tenant_id: 1, title: 1 } });
        if (!header || header.tenant_id !== tenantId) throw notFound(id);
        if (ifTitle !== undefined && header.title !== ifTitle) return false;
        const { matchedCount } = await this.#conversations.updateOne(
          ifTitle === undefined ? { _id: objectId } : { _id: objectId, title: ifTitle },
          { $set: fields },
        );
        return matchedCount > 0;
      } catch (error) {
        throw storeUnavailable(operation, error);
      }
    });
  }
}
