import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

// Overrides and the audit log share one file, apart from conversations and keys, so operator writes
// never contend with chat traffic. WAL and busy_timeout let several processes on one data directory
// (two hosts in a test, or the CLI next to the host) read and write it.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS plugin_overrides (
  plugin TEXT PRIMARY KEY,
  enabled INTEGER,
  enabled_actor TEXT,
  enabled_at INTEGER,
  breaker_reset_actor TEXT,
  breaker_reset_at INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_log (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_key_id TEXT,
  tenant_id TEXT NOT NULL,
  target TEXT NOT NULL,
  client_address TEXT NOT NULL,
  outcome TEXT NOT NULL,
  message TEXT NOT NULL,
  details TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_tenant_at ON audit_log (tenant_id, at DESC, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_action_at ON audit_log (action, at DESC);
CREATE INDEX IF NOT EXISTS audit_log_actor_at ON audit_log (actor_key_id, at DESC);
`;

/** Opens (creating when needed) the embedded operator database at `path`; `:memory:` for tests. */
export function openSqliteOperatorDatabase(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 2000');
  database.exec(SCHEMA);
  return database;
}
