import { join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import type { AuditLogStore } from './audit-log-store.js';
import { MongoAuditLogStore } from './mongo-audit-log-store.js';
import { MongoPluginOverrideStore } from './mongo-plugin-override-store.js';
import type { PluginOverrideStore } from './plugin-override-store.js';
import { SqliteAuditLogStore } from './sqlite-audit-log-store.js';
import { openSqliteOperatorDatabase } from './sqlite-operator-database.js';
import { SqlitePluginOverrideStore } from './sqlite-plugin-override-store.js';

/** The operator's records: run-time plugin overrides and the audit log, on one connection. */
export interface OperatorStores {
  readonly kind: 'mongodb' | 'sqlite';
  readonly overrides: PluginOverrideStore;
  readonly audit: AuditLogStore;
  close(): Promise<void>;
}

/** Where the operator records live: a MongoDB URL (owned client), a shared `Db`, or an SQLite file. */
export type OperatorStoresLocation =
  | { readonly kind: 'mongodb'; readonly url: string; readonly database: string }
  | { readonly kind: 'mongodb'; readonly db: Db; readonly collectionPrefix?: string }
  | { readonly kind: 'sqlite'; readonly path: string };

/** The file name of the embedded operator database inside ACAI_DATA_DIR. */
export const OPERATOR_DATABASE_FILE = 'operator.db';

/** The location the host's configuration names: MongoDB when MONGODB_URL is set, else `<data dir>/operator.db`. */
export function operatorStoresLocation(settings: { readonly mongodbUrl: string | undefined; readonly database: string; readonly dataDir: string }): OperatorStoresLocation {
  return settings.mongodbUrl ? { kind: 'mongodb', url: settings.mongodbUrl, database: settings.database } : { kind: 'sqlite', path: join(settings.dataDir, OPERATOR_DATABASE_FILE) };
}

/** Opens both stores at `location`. Connecting is lazy on MongoDB (the first operation connects). */
export function openOperatorStores(location: OperatorStoresLocation): OperatorStores {
  if (location.kind === 'sqlite') {
    const database = openSqliteOperatorDatabase(location.path);
    return {
      kind: 'sqlite',
      overrides: new SqlitePluginOverrideStore(database),
      audit: new SqliteAuditLogStore(database),
      close: async () => {
        if (database.open) database.close();
      },
    };
  }
  const owned = 'url' in location ? new MongoClient(location.url, { serverSelectionTimeoutMS: 2000 }) : undefined;
  const db = 'db' in location ? location.db : owned!.db(location.database);
  const prefix = 'collectionPrefix' in location ? (location.collectionPrefix ?? '') : '';
  return {
    kind: 'mongodb',
    overrides: new MongoPluginOverrideStore(db, `${prefix}plugin_overrides`),
    audit: new MongoAuditLogStore(db, `${prefix}audit_log`),
    close: async () => {
      await owned?.close();
    },
  };
}
