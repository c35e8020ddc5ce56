import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createObjectIdHex } from '../storage/index.js';
import type { AuditLogStore, AuditRecord, OperatorActor } from '../storage/operator/index.js';
import type { AuditAction, AuditOutcome } from './audit-action.js';
import { auditCounters } from './audit-metrics.js';

/** One operator action to record. */
export interface AuditEvent {
  readonly action: AuditAction;
  readonly actor: OperatorActor;
  /** The tenant the entry belongs to; default the actor's (empty for the host's own actions). */
  readonly tenantId?: string;
  readonly target?: string;
  readonly clientAddress?: string;
  readonly outcome: AuditOutcome;
  readonly message?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Where operator actions go: the audit log in the store, and a structured log line. */
export interface AuditTrail {
  /** Records `event`; never throws (a store failure is logged and counted, the log line is written anyway). */
  record(event: AuditEvent): Promise<void>;
}

/** Options of {@link createAuditTrail}. */
export interface AuditTrailOptions {
  readonly store: AuditLogStore;
  readonly logger: Logger;
  readonly metricsRegistry?: Registry;
  readonly now?: () => Date;
}

const MAX_MESSAGE_LENGTH = 1_000;
const MAX_TARGET_LENGTH = 200;
/** Details larger than this (a huge config diff) are replaced by a note, so one entry cannot bloat the log. */
const MAX_DETAILS_BYTES = 16_384;

/**
 * The audit trail. Each action becomes one appended record and one `audit` log line (`{"audit": {...}}`),
 * so log shipping keeps a copy even when the store is down. Recording never fails the action itself.
 */
export function createAuditTrail(options: AuditTrailOptions): AuditTrail {
  const { store, logger } = options;
  const now = options.now ?? (() => new Date());
  const failures = options.metricsRegistry === undefined ? undefined : auditCounters(options.metricsRegistry).writeFailures;
  const auditLogger = logger.child({ component: 'audit' });
  return {
    async record(event) {
      const record = toRecord(event, now());
      const line = { id: record.id, action: record.action, actor: record.actor, tenant: record.tenantId, target: record.target, clientAddress: record.clientAddress, outcome: record.outcome, message: record.message || undefined, details: record.details };
      try {
        await store.append(record);
        auditLogger.info({ audit: line }, `audit: ${record.action} ${record.outcome}`);
      } catch (error) {
        failures?.inc();
        auditLogger.error({ audit: line, err: error }, `audit: ${record.action} ${record.outcome} (could not be stored)`);
      }
    },
  };
}

function toRecord(event: AuditEvent, at: Date): AuditRecord {
  return {
    id: createObjectIdHex(at),
    at,
    action: event.action,
    actor: event.actor,
    tenantId: event.tenantId ?? event.actor.tenantId ?? '',
    target: (event.target ?? '').slice(0, MAX_TARGET_LENGTH),
    clientAddress: event.clientAddress ?? '',
    outcome: event.outcome,
    message: (event.message ?? '').slice(0, MAX_MESSAGE_LENGTH),
    details: boundedDetails(event.details ?? {}),
  };
}

function boundedDetails(details: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const text = JSON.stringify(details);
  if (text.length <= MAX_DETAILS_BYTES) return JSON.parse(text) as Record<string, unknown>;
  return { truncated: true, size: text.length };
}
