import type { OperatorActor } from './operator-actor.js';

/** One operator action as stored; ids are 24-hex and time-prefixed, so (at, id) orders entries totally. */
export interface AuditRecord {
  readonly id: string;
  readonly at: Date;
  /** `plugin.disable`, `api_key.create`, … (the audit/ module owns the list). */
  readonly action: string;
  readonly actor: OperatorActor;
  /** The tenant the entry belongs to; empty for the host's own actions. */
  readonly tenantId: string;
  /** A plugin name or key id; empty for the whole plugin set. */
  readonly target: string;
  readonly clientAddress: string;
  /** `ok`, `refused`, `failed` or `unchanged`. */
  readonly outcome: string;
  readonly message: string;
  /** JSON-safe details (a reload's diff, a key's scopes); never secret values. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** Where a page of {@link AuditLogStore.query} continues: strictly older than this entry. */
export interface AuditPosition {
  readonly at: Date;
  readonly id: string;
}

/** A filtered, keyset-paged read of the audit log, newest first. Every filter is an exact match. */
export interface AuditQuery {
  readonly tenantId?: string;
  readonly actions?: readonly string[];
  readonly actorKeyId?: string;
  /** Inclusive. */
  readonly since?: Date;
  /** Exclusive. */
  readonly until?: Date;
  readonly after?: AuditPosition;
  readonly limit: number;
}

/**
 * The audit log (MongoDB `audit_log` or the embedded `operator.db`). Append-only for everyone but
 * retention, which deletes entries older than the configured age.
 */
export interface AuditLogStore {
  append(record: AuditRecord): Promise<void>;
  /** Newest first (time, then id), at most `limit` entries. */
  query(query: AuditQuery): Promise<AuditRecord[]>;
  /** Deletes entries older than `cutoff`; returns how many. */
  deleteOlderThan(cutoff: Date): Promise<number>;
}
