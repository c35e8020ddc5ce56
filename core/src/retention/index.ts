// Conversation retention: delete conversations untouched for a tenant's number of days, one sweep per
// interval across replicas.
export { RetentionSweeper } from './retention-sweeper.js';
export type { RetentionSweeperOptions, SweepReport } from './retention-sweeper.js';
export { deletesAnything, sweepTargets } from './retention-policy.js';
export type { RetentionPolicy, SweepTarget } from './retention-policy.js';
export { createRedisSweepLease, UNCOORDINATED_LEASE } from './sweep-lease.js';
export type { SweepLease } from './sweep-lease.js';
