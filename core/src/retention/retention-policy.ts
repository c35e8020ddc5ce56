import type { UntouchedScope } from '../storage/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Days without a turn before a conversation is deleted: a default and per-tenant overrides; 0 keeps. */
export interface RetentionPolicy {
  readonly defaultDays: number;
  readonly tenantDays: Readonly<Record<string, number>>;
}

/** One part of a sweep: which conversations, and the last-turn time before which they go. */
export interface SweepTarget {
  readonly scope: UntouchedScope;
  readonly before: Date;
}

/** True when the policy deletes anything at all (otherwise no sweeper runs). */
export function deletesAnything(policy: RetentionPolicy): boolean {
  return policy.defaultDays > 0 || Object.values(policy.tenantDays).some((days) => days > 0);
}

/**
 * What a sweep at `now` covers: each tenant with a retention of its own, then every other tenant under
 * the default. A tenant whose override is 0 is excluded from the default and never swept.
 */
export function sweepTargets(policy: RetentionPolicy, now: Date): SweepTarget[] {
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const overridden = Object.keys(policy.tenantDays).sort();
  const targets: SweepTarget[] = overridden
    .filter((tenantId) => policy.tenantDays[tenantId]! > 0)
    .map((tenantId) => ({ scope: { tenantId }, before: before(policy.tenantDays[tenantId]!) }));
  if (policy.defaultDays > 0) targets.push({ scope: { exceptTenantIds: overridden }, before: before(policy.defaultDays) });
  return targets;
}
