// The audit trail: operator actions appended to the store and written as log lines, read back scoped to tenants.
export { AUDIT_ACTIONS, isAuditAction } from './audit-action.js';
export type { AuditAction, AuditOutcome } from './audit-action.js';
export { actorFromPrincipal, cliActor, HOST_ACTOR } from './audit-actor.js';
export { createAuditTrail } from './audit-trail.js';
export type { AuditEvent, AuditTrail, AuditTrailOptions } from './audit-trail.js';
export { recordReload } from './record-reload.js';
export type { AuditedReload } from './record-reload.js';
export { auditReadScope } from './audit-read-scope.js';
export type { AuditReadScope } from './audit-read-scope.js';
export { startAuditRetention } from './audit-retention.js';
export type { AuditRetention, AuditRetentionOptions } from './audit-retention.js';
