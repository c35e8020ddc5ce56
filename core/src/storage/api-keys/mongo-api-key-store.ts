import { MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { ensureIndexesOnce } from '../mongo/ensure-indexes.js';
import type { ApiKeyListFilter, ApiKeyRecord, ApiKeyStore } from './api-key-store.js';

interface ApiKeyDocument {
  _id: string;
  tenantId: string;
  scopes: string[];
  label: string;
  hash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

function toRecord(document: ApiKeyDocument): ApiKeyRecord {
  return {
    id: document._id,
    tenantId: document.tenantId,
    scopes: document.scopes,
    label: document.label,
    hash: document.hash,
    createdAt: document.createdAt,
    ...(document.revokedAt ? { revokedAt: document.revokedAt } : {}),
  };
}

/** Where a {@link MongoApiKeyStore} gets its database: a shared `Db`, or a URL it connects to (and owns). */
export type MongoApiKeyStoreOptions = { db: Db; collection?: string } | { url: string; database: string; collection?: string };

/** API keys in the MongoDB collection `api_keys` (unique index on the hash; looked up by hash only). */
export class MongoApiKeyStore implements ApiKeyStore {
  readonly kind = 'mongodb' as const;
  readonly #collection: Collection<ApiKeyDocument>;
  readonly #db: Db;
  readonly #ownedClient: MongoClient | undefined;
  readonly #ensureIndexes: () => Promise<void>;

  constructor(options: MongoApiKeyStoreOptions) {
    if ('db' in options) {
      this.#db = options.db;
      this.#ownedClient = undefined;
    } else {
      this.#ownedClient = new MongoClient(options.url, { serverSelectionTimeoutMS: 2000 });
      this.#db = this.#ownedClient.db(options.database);
    }
    this.#collection = this.#db.collection<ApiKeyDocument>(options.collection ?? 'api_keys');
    this.#ensureIndexes = ensureIndexesOnce(this.#collection, [
      { key: { hash: 1 }, name: 'hash_unique', unique: true },
      { key: { tenantId: 1, createdAt: -1 }, name: 'tenant_created' },
    ]);
  }

  /** Creates the indexes once (idempotent); called lazily by writes, callable at boot. */
  ensureIndexes(): Promise<void> {
    return this.#ensureIndexes();
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    await this.ensureIndexes();
    try {
      await this.#collection.insertOne({
        _id: record.id,
        tenantId: record.tenantId,
        scopes: [...record.scopes],
        label: record.label,
        hash: record.hash,
        createdAt: record.createdAt,
        revokedAt: record.revokedAt ?? null,
      });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000) throw new Error(`API key ${record.id} already exists`, { cause: error });
      throw error;
    }
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const document = await this.#collection.findOne({ hash });
    return document === null ? undefined : toRecord(document);
  }

  async list(filter: ApiKeyListFilter = {}): Promise<ApiKeyRecord[]> {
    const query = filter.tenantId === undefined ? {} : { tenantId: filter.tenantId };
    const documents = await this.#collection.find(query).sort({ createdAt: -1, _id: -1 }).toArray();
    return documents.map(toRecord);
  }

  async revoke(id: string, at: Date = new Date()): Promise<boolean> {
    const result = await this.#collection.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: at } });
    return result.modifiedCount > 0;
  }

  async ping(): Promise<void> {
    await this.#db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.#ownedClient?.close();
  }
}
