import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ApiKeyListFilter, ApiKeyRecord, ApiKeyStore } from './api-key-store.js';

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  scopes: string;
  label: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    scopes: JSON.parse(row.scopes) as string[],
    label: row.label,
    hash: row.hash,
    createdAt: new Date(row.created_at),
    ...(row.revoked_at === null ? {} : { revokedAt: new Date(row.revoked_at) }),
  };
}

/**
 * API keys in an embedded SQLite file (`<data dir>/keys.db`), separate from the conversations database
 * so key administration never contends with chat traffic.
 */
export class SqliteApiKeyStore implements ApiKeyStore {
  readonly kind = 'sqlite' as const;
  readonly #database: Database.Database;
  readonly #statements;

  /** Opens (creating when needed) the database at `path`; `:memory:` for tests. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#database = new Database(path);
    this.#database.pragma('journal_mode = WAL');
    this.#database.pragma('busy_timeout = 2000');
    this.#database.exec(`
      CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        scopes TEXT NOT NULL,
        label TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant_id, created_at);
    `);
    this.#statements = {
      insert: this.#database.prepare(
        'INSERT INTO api_keys (id, tenant_id, scopes, label, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      findByHash: this.#database.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE hash = ?'),
      listAll: this.#database.prepare<[], ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, id DESC'),
      listTenant: this.#database.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at DESC, id DESC'),
      revoke: this.#database.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      ping: this.#database.prepare('SELECT 1'),
    };
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    this.#statements.insert.run(
      record.id,
      record.tenantId,
      JSON.stringify(record.scopes),
      record.label,
      record.hash,
      record.createdAt.getTime(),
      record.revokedAt?.getTime() ?? null,
    );
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = this.#statements.findByHash.get(hash);
    return row === undefined ? undefined : toRecord(row);
  }

  async list(filter: ApiKeyListFilter = {}): Promise<ApiKeyRecord[]> {
    const rows = filter.tenantId === undefined ? this.#statements.listAll.all() : this.#statements.listTenant.all(filter.tenantId);
    return rows.map(toRecord);
  }

  async revoke(id: string, at: Date = new Date()): Promise<boolean> {
    return this.#statements.revoke.run(at.getTime(), id).changes > 0;
  }

  async ping(): Promise<void> {
    this.#statements.ping.get();
  }

  async close(): Promise<void> {
    if (this.#database.open) this.#database.close();
  }
}
