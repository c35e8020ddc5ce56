import type { EnvReader } from './env-reader.js';

/** Longest retention that can be set (100 years): past it "keep" is the honest setting (0). */
export const MAX_RETENTION_DAYS = 36_500;

/**
 * How long conversations are kept after their last turn. Tenants have no registry of their own in Acai
 * (a tenant is the name on an API key, a trusted network or a prompts-file entry), so the per-tenant
 * overrides live where other per-tenant operator settings live: the environment, as `tenant=days`
 * pairs, like ACAI_TRUSTED_NETWORKS' `cidr=tenant`.
 */
export interface RetentionSettings {
  /** Days without a turn after which a conversation is deleted; 0 keeps conversations forever. */
  readonly defaultDays: number;
  /** Per tenant, overriding the default (0 keeps that tenant's conversations forever). */
  readonly tenantDays: Readonly<Record<string, number>>;
  /** How often a replica looks for expired conversations (one sweep per interval across all replicas). */
  readonly sweepIntervalMinutes: number;
}

/** CONVERSATION_RETENTION_DAYS, CONVERSATION_RETENTION_TENANT_DAYS, CONVERSATION_RETENTION_SWEEP_MINUTES. */
export function readRetentionSettings(read: EnvReader): RetentionSettings {
  return {
    defaultDays: read.integer('CONVERSATION_RETENTION_DAYS', 0, 0, MAX_RETENTION_DAYS),
    tenantDays: read.keyedIntegers('CONVERSATION_RETENTION_TENANT_DAYS', 0, MAX_RETENTION_DAYS),
    sweepIntervalMinutes: read.integer('CONVERSATION_RETENTION_SWEEP_MINUTES', 60, 1, 24 * 60),
  };
}
