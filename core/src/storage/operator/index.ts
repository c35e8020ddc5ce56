// The operator's records: run-time plugin overrides shared by every replica, and the audit log.
export type { OperatorActor } from './operator-actor.js';
export type { BreakerResetRecord, EnabledOverrideRecord, PluginOverrideRecord, PluginOverrideStore } from './plugin-override-store.js';
export type { AuditLogStore, AuditPosition, AuditQuery, AuditRecord } from './audit-log-store.js';
export { openOperatorStores, operatorStoresLocation, OPERATOR_DATABASE_FILE } from './open-operator-stores.js';
export type { OperatorStores, OperatorStoresLocation } from './open-operator-stores.js';
