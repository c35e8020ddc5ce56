import type Database from 'better-sqlite3';
import { actorFromStored, normalizeActor, type OperatorActor } from './operator-actor.js';
import type { PluginOverrideRecord, PluginOverrideStore } from './plugin-override-store.js';

interface OverrideRow {
  plugin: string;
  enabled: number | null;
  enabled_actor: string | null;
  enabled_at: number | null;
  breaker_reset_actor: string | null;
  breaker_reset_at: number | null;
}

function parseActor(text: string | null): OperatorActor {
  try {
    return actorFromStored(text === null ? undefined : JSON.parse(text));
  } catch {
    return { source: 'unknown' };
  }
}

function toRecord(row: OverrideRow): PluginOverrideRecord {
  return {
    plugin: row.plugin,
    ...(row.enabled !== null && row.enabled_at !== null ? { enabled: { value: row.enabled === 1, actor: parseActor(row.enabled_actor), at: new Date(row.enabled_at) } } : {}),
    ...(row.breaker_reset_at !== null ? { breakerReset: { actor: parseActor(row.breaker_reset_actor), at: new Date(row.breaker_reset_at) } } : {}),
  };
}

/** Operator overrides in the embedded operator database (table `plugin_overrides`). */
export class SqlitePluginOverrideStore implements PluginOverrideStore {
  readonly kind = 'sqlite' as const;
  readonly #statements;

  constructor(database: Database.Database) {
    this.#statements = {
      list: database.prepare<[], OverrideRow>('SELECT * FROM plugin_overrides ORDER BY plugin LIMIT 10000'),
      setEnabled: database.prepare(
        `INSERT INTO plugin_overrides (plugin, enabled, enabled_actor, enabled_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (plugin) DO UPDATE SET enabled = excluded.enabled, enabled_actor = excluded.enabled_actor, enabled_at = excluded.enabled_at`,
      ),
      clearEnabled: database.prepare('UPDATE plugin_overrides SET enabled = NULL, enabled_actor = NULL, enabled_at = NULL WHERE plugin = ? AND enabled IS NOT NULL'),
      recordBreakerReset: database.prepare(
        `INSERT INTO plugin_overrides (plugin, breaker_reset_actor, breaker_reset_at) VALUES (?, ?, ?)
         ON CONFLICT (plugin) DO UPDATE SET breaker_reset_actor = excluded.breaker_reset_actor, breaker_reset_at = excluded.breaker_reset_at`,
      ),
    };
  }

  async list(): Promise<PluginOverrideRecord[]> {
    return this.#statements.list.all().map(toRecord);
  }

  async setEnabled(plugin: string, value: boolean, actor: OperatorActor, at: Date): Promise<void> {
    this.#statements.setEnabled.run(plugin, value ? 1 : 0, JSON.stringify(normalizeActor(actor)), at.getTime());
  }

  async clearEnabled(plugin: string): Promise<boolean> {
    return this.#statements.clearEnabled.run(plugin).changes > 0;
  }

  async recordBreakerReset(plugin: string, actor: OperatorActor, at: Date): Promise<void> {
    this.#statements.recordBreakerReset.run(plugin, JSON.stringify(normalizeActor(actor)), at.getTime());
  }
}
