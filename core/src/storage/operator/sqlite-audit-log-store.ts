import type Database from 'better-sqlite3';
import type { AuditLogStore, AuditQuery, AuditRecord } from './audit-log-store.js';
import { actorFromStored, normalizeActor } from './operator-actor.js';

interface AuditRow {
  id: string;
  at: number;
  action: string;
  actor: string;
  tenant_id: string;
  target: string;
  client_address: string;
  outcome: string;
  message: string;
  details: string;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: new Date(row.at),
    action: row.action,
    actor: actorFromStored(parseObject(row.actor)),
    tenantId: row.tenant_id,
    target: row.target,
    clientAddress: row.client_address,
    outcome: row.outcome,
    message: row.message,
    details: parseObject(row.details),
  };
}

/** The audit log in the embedded operator database (table `audit_log`). */
export class SqliteAuditLogStore implements AuditLogStore {
  readonly #database: Database.Database;
  readonly #insert;
  readonly #deleteOlder;

  constructor(database: Database.Database) {
    this.#database = database;
    this.#insert = database.prepare(
      `INSERT INTO audit_log (id, at, action, actor, actor_key_id, tenant_id, target, client_address, outcome, message, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#deleteOlder = database.prepare('DELETE FROM audit_log WHERE at < ?');
  }

  async append(record: AuditRecord): Promise<void> {
    const actor = normalizeActor(record.actor);
    this.#insert.run(
      record.id,
      record.at.getTime(),
      record.action,
      JSON.stringify(actor),
      actor.keyId ?? null,
      record.tenantId,
      record.target,
      record.clientAddress,
      record.outcome,
      record.message,
      JSON.stringify(record.details),
    );
  }

  async query(query: AuditQuery): Promise<AuditRecord[]> {
    // Only fixed SQL with placeholders: every caller-supplied value is a bound parameter.
    const clauses: string[] = [];
    const parameters: Array<string | number> = [];
    if (query.tenantId !== undefined) {
      clauses.push('tenant_id = ?');
      parameters.push(query.tenantId);
    }
    if (query.actions !== undefined) {
      if (query.actions.length === 0) return [];
      clauses.push(`action IN (${query.actions.map(() => '?').join(', ')})`);
      parameters.push(...query.actions);
    }
    if (query.actorKeyId !== undefined) {
      clauses.push('actor_key_id = ?');
      parameters.push(query.actorKeyId);
    }
    if (query.since !== undefined) {
      clauses.push('at >= ?');
      parameters.push(query.since.getTime());
    }
    if (query.until !== undefined) {
      clauses.push('at < ?');
      parameters.push(query.until.getTime());
    }
    if (query.after !== undefined) {
      clauses.push('(at < ? OR (at = ? AND id < ?))');
      parameters.push(query.after.at.getTime(), query.after.at.getTime(), query.after.id);
    }
    const where = clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`;
    const rows = this.#database.prepare<Array<string | number>, AuditRow>(`SELECT * FROM audit_log ${where} ORDER BY at DESC, id DESC LIMIT ?`).all(...parameters, query.limit);
    return rows.map(toRecord);
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return this.#deleteOlder.run(cutoff.getTime()).changes;
  }
}
