import { Counter, type Registry } from 'prom-client';

/** The audit trail's counters; registered once per registry, however many trails and retention jobs share it. */
export interface AuditCounters {
  readonly writeFailures: Counter;
  readonly deleted: Counter;
}

const cache = new WeakMap<Registry, AuditCounters>();

/** `acai_audit_write_failures_total` and `acai_audit_entries_deleted_total` on `registry`. */
export function auditCounters(registry: Registry): AuditCounters {
  let counters = cache.get(registry);
  if (counters === undefined) {
    counters = {
      writeFailures: new Counter({ name: 'acai_audit_write_failures_total', help: 'Audit entries that could not be stored (they are still in the log).', registers: [registry] }),
      deleted: new Counter({ name: 'acai_audit_entries_deleted_total', help: 'Audit entries deleted because they were older than AUDIT_RETENTION_DAYS.', registers: [registry] }),
    };
    cache.set(registry, counters);
  }
  return counters;
}
