import type { RedisClient } from '../cache/index.js';
import type { HostMetrics } from '../observability/index.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { failOpen, type RateLimiter, type SlidingWindowPolicy } from './rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

/** A quota answer the chat loop and plugin host turn into "rate-limited, retry later" for the model. */
export interface QuotaDecision {
  readonly allowed: boolean;
  /** 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/** Per-tenant budgets for model tokens and tool calls (sliding one-minute windows). */
export interface TenantQuotas {
  /** Counts one call of `tool` for the tenant when it fits; refused calls are not counted. */
  checkToolQuota(tenantId: string, tool: string): Promise<QuotaDecision>;
  /** Before a model call: is any of the tenant's token budget left? Changes nothing. */
  checkModelTokens(tenantId: string): Promise<QuotaDecision>;
  /** After a model call: records the tokens it used (always: they are spent); `allowed` says if the tenant is still within budget. */
  consumeModelTokens(tenantId: string, tokens: number): Promise<QuotaDecision>;
}

/** Options for {@link createTenantQuotas}. */
export interface TenantQuotasOptions {
  /** 0 = unlimited. */
  modelTokensPerMinute: number;
  /** Per tenant × tool; 0 = unlimited. */
  toolCallsPerMinute: number;
  /** Shared client when Redis is configured (replicas then share the quotas); memory otherwise. */
  redis?: RedisClient;
  /** Key prefix under the client's own, default `quota:`. */
  keyPrefix?: string;
  metrics?: HostMetrics;
  /** Called when Redis fails and the quota fails open. */
  onBackendError?: (error: unknown) => void;
  now?: () => number;
}

const ALLOWED: QuotaDecision = Object.freeze({ allowed: true, retryAfterSeconds: 0 });

/**
 * Tenant quotas on top of the sliding-window limiter. A limit of 0 disables that quota. When Redis is
 * down the quotas fail open (counted in acai_rate_limit_backend_errors_total).
 */
export function createTenantQuotas(options: TenantQuotasOptions): TenantQuotas {
  const prefix = options.keyPrefix ?? 'quota:';
  const onError = (error: unknown) => {
    options.metrics?.rateLimitBackendErrors.inc();
    options.onBackendError?.(error);
  };
  const build = (policy: SlidingWindowPolicy, name: string): RateLimiter | undefined => {
    if (policy.limit <= 0) return undefined;
    if (options.redis === undefined) return new MemoryRateLimiter(policy, options.now ? { now: options.now } : {});
    return failOpen(new RedisRateLimiter(policy, { client: options.redis, keyPrefix: `${prefix}${name}:`, ...(options.now ? { now: options.now } : {}) }), onError);
  };
  const tokens = build({ kind: 'sliding_window', limit: options.modelTokensPerMinute, windowSeconds: 60 }, 'tokens');
  const tools = build({ kind: 'sliding_window', limit: options.toolCallsPerMinute, windowSeconds: 60 }, 'tools');

  const refused = (limit: 'model_tokens' | 'tool_calls', retryAfterSeconds: number): QuotaDecision => {
    options.metrics?.rateLimitRejections.inc({ limit });
    return { allowed: false, retryAfterSeconds };
  };

  return {
    async checkToolQuota(tenantId, tool) {
      if (tools === undefined) return ALLOWED;
      const decision = await tools.consume(`${tenantId}:${tool}`);
      return decision.allowed ? ALLOWED : refused('tool_calls', decision.retryAfterSeconds);
    },
    async checkModelTokens(tenantId) {
      if (tokens === undefined) return ALLOWED;
      const decision = await tokens.consume(tenantId, { cost: 1, mode: 'peek' });
      return decision.allowed ? ALLOWED : refused('model_tokens', decision.retryAfterSeconds);
    },
    async consumeModelTokens(tenantId, count) {
      if (tokens === undefined || count <= 0) return ALLOWED;
      const decision = await tokens.consume(tenantId, { cost: Math.ceil(count), mode: 'record' });
      return decision.allowed ? ALLOWED : { allowed: false, retryAfterSeconds: decision.retryAfterSeconds };
    },
  };
}
