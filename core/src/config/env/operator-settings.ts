import { TENANT_ID_PATTERN } from '../../auth/principal.js';
import type { EnvReader } from './env-reader.js';

/** Operator state shared by replicas, and the audit trail. */
export interface OperatorSettings {
  /**
   * Tenants whose `admin` keys operate the whole host: they read every tenant's audit entries and the
   * host's own. Admin keys of other tenants read only their tenant's entries.
   */
  readonly tenants: readonly string[];
  /** How often each replica re-reads the operator overrides from the store (Redis pub/sub tells it at once). */
  readonly overridesPollMs: number;
  /** Audit entries older than this many days are deleted (0 = kept forever). */
  readonly auditRetentionDays: number;
}

const DEFAULT_OPERATOR_TENANTS: readonly string[] = ['ops', 'default'];

/** ACAI_OPERATOR_TENANTS, PLUGINS_OVERRIDES_POLL_MS, AUDIT_RETENTION_DAYS. */
export function readOperatorSettings(read: EnvReader): OperatorSettings {
  // Unset (or only commas): the defaults. To make every admin key tenant-scoped, name a tenant no key has.
  const isSet = read.list('ACAI_OPERATOR_TENANTS').length > 0;
  const tenants = read.checkedList('ACAI_OPERATOR_TENANTS', (tenant) => (TENANT_ID_PATTERN.test(tenant) ? undefined : 'is not a tenant id (1-64 letters, digits, "_", "." or "-")'));
  return {
    tenants: isSet ? tenants : DEFAULT_OPERATOR_TENANTS,
    overridesPollMs: read.integer('PLUGINS_OVERRIDES_POLL_MS', 5_000, 50, 3_600_000),
    auditRetentionDays: read.integer('AUDIT_RETENTION_DAYS', 365, 0, 36_500),
  };
}
