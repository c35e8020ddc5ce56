import type { Collection, Db, Filter } from 'mongodb';
import { ensureIndexesOnce } from '../mongo/ensure-indexes.js';
import type { AuditLogStore, AuditQuery, AuditRecord } from './audit-log-store.js';
import { actorFromStored, normalizeActor } from './operator-actor.js';

interface AuditDocument {
  _id: string;
  at: Date;
  action: string;
  actor: { source: string; keyId?: string; tenantId?: string; name?: string };
  tenantId: string;
  target: string;
  clientAddress: string;
  outcome: string;
  message: string;
  details: Record<string, unknown>;
}

function toRecord(document: AuditDocument): AuditRecord {
  return {
    id: document._id,
    at: document.at,
    action: document.action,
    actor: actorFromStored(document.actor),
    tenantId: document.tenantId,
    target: document.target,
    clientAddress: document.clientAddress,
    outcome: document.outcome,
    message: document.message,
    details: typeof document.details === 'object' && document.details !== null ? document.details : {},
  };
}

/** The audit log in the MongoDB collection `audit_log` (newest-first indexes per filter). */
export class MongoAuditLogStore implements AuditLogStore {
  readonly #collection: Collection<AuditDocument>;
  /** Creates the indexes once (idempotent); a failure is retried by the next call. */
  readonly ensureIndexes: () => Promise<void>;

  constructor(db: Db, collection = 'audit_log') {
    this.#collection = db.collection<AuditDocument>(collection);
    this.ensureIndexes = ensureIndexesOnce(this.#collection, [
      { key: { at: -1, _id: -1 }, name: 'at' },
      { key: { tenantId: 1, at: -1, _id: -1 }, name: 'tenant_at' },
      { key: { action: 1, at: -1 }, name: 'action_at' },
      { key: { 'actor.keyId': 1, at: -1 }, name: 'actor_at' },
    ]);
  }

  async append(record: AuditRecord): Promise<void> {
    await this.ensureIndexes();
    await this.#collection.insertOne({
      _id: record.id,
      at: record.at,
      action: record.action,
      actor: normalizeActor(record.actor),
      tenantId: record.tenantId,
      target: record.target,
      clientAddress: record.clientAddress,
      outcome: record.outcome,
      message: record.message,
      details: { ...record.details },
    });
  }

  async query(query: AuditQuery): Promise<AuditRecord[]> {
    await this.ensureIndexes();
    // Every value is a plain string or Date placed under a fixed key: nothing from the caller becomes an operator.
    const conditions: Array<Filter<AuditDocument>> = [];
    if (query.tenantId !== undefined) conditions.push({ tenantId: query.tenantId });
    if (query.actions !== undefined) conditions.push({ action: { $in: [...query.actions] } });
    if (query.actorKeyId !== undefined) conditions.push({ 'actor.keyId': query.actorKeyId });
    if (query.since !== undefined) conditions.push({ at: { $gte: query.since } });
    if (query.until !== undefined) conditions.push({ at: { $lt: query.until } });
    if (query.after !== undefined) {
      conditions.push({ $or: [{ at: { $lt: query.after.at } }, { at: query.after.at, _id: { $lt: query.after.id } }] });
    }
    const filter: Filter<AuditDocument> = conditions.length === 0 ? {} : { $and: conditions };
    const documents = await this.#collection.find(filter).sort({ at: -1, _id: -1 }).limit(query.limit).toArray();
    return documents.map(toRecord);
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const result = await this.#collection.deleteMany({ at: { $lt: cutoff } });
    return result.deletedCount;
  }
}
