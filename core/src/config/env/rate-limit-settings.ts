import type { EnvReader } from './env-reader.js';

/** Request and tenant budgets (0 = unlimited for the tenant budgets). */
export interface RateLimitSettings {
  readonly requestsPerMinute: number;
  readonly burst: number;
  readonly modelTokensPerMinute: number;
  readonly toolCallsPerMinute: number;
}

/** RATE_LIMIT_PER_MINUTE, RATE_LIMIT_BURST, TENANT_MODEL_TOKENS_PER_MINUTE, TENANT_TOOL_CALLS_PER_MINUTE. */
export function readRateLimitSettings(read: EnvReader): RateLimitSettings {
  return {
    requestsPerMinute: read.integer('RATE_LIMIT_PER_MINUTE', 120, 0, 1_000_000),
    burst: read.integer('RATE_LIMIT_BURST', 30, 0, 1_000_000),
    modelTokensPerMinute: read.integer('TENANT_MODEL_TOKENS_PER_MINUTE', 0, 0, 1_000_000_000),
    toolCallsPerMinute: read.integer('TENANT_TOOL_CALLS_PER_MINUTE', 0, 0, 1_000_000),
  };
}
