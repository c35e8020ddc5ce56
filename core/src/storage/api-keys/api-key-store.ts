/**
 * One API key as stored: never the key itself, only its hash. Scopes are plain strings here;
 * core/src/auth narrows them to the scopes it knows.
 */
export interface ApiKeyRecord {
  /** Public identifier (`key_…`), safe to log and show. */
  readonly id: string;
  readonly tenantId: string;
  readonly scopes: readonly string[];
  /** Operator's note (who or what uses the key). */
  readonly label: string;
  /** Lower-case hex SHA-256 of the key, or HMAC-SHA-256 with the server pepper. */
  readonly hash: string;
  readonly createdAt: Date;
  /** Set once revoked; revoked keys stay listed for audit. */
  readonly revokedAt?: Date;
}

/** Filter for {@link ApiKeyStore.list}. */
export interface ApiKeyListFilter {
  readonly tenantId?: string;
}

/** Where issued API keys live (MongoDB `api_keys` collection or the embedded SQLite `keys.db`). */
export interface ApiKeyStore {
  readonly kind: 'mongodb' | 'sqlite';
  /** Adds a key; fails on a duplicate id or hash. */
  insert(record: ApiKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first, revoked keys included. */
  list(filter?: ApiKeyListFilter): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; false when no such key or it was already revoked. */
  revoke(id: string, at?: Date): Promise<boolean>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
