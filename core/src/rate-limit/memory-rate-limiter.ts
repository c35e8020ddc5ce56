import type { ConsumeOptions, RateLimitDecision, RateLimiter, RateLimitPolicy } from './rate-limiter.js';
import { slidingWindowDecision, stepSlidingWindow, type SlidingWindowState } from './sliding-window.js';
import { stepTokenBucket, tokenBucketDecision, type TokenBucketState } from './token-bucket.js';

/** Options for {@link MemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Injectable clock (ms). */
  now?: () => number;
  /** Upper bound on tracked keys; the stalest are dropped first. Default 100 000. */
  maxKeys?: number;
}

interface Entry {
  state: TokenBucketState | SlidingWindowState;
  /** When the entry no longer matters (bucket full again / both windows past). */
  idleAt: number;
}

/**
 * In-process limiter with exactly the arithmetic of the Redis one (shared step functions), for single
 * replicas without Redis. Limits are per process.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly backend = 'memory' as const;
  readonly policy: RateLimitPolicy;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxKeys: number;

  constructor(policy: RateLimitPolicy, options: MemoryRateLimiterOptions = {}) {
    this.policy = policy;
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  async consume(key: string, options: ConsumeOptions = {}): Promise<RateLimitDecision> {
    const cost = options.cost ?? 1;
    const mode = options.mode ?? 'consume';
    const now = this.#now();
    const existing = this.#entries.get(key);
    const previousState = existing && existing.idleAt > now ? existing.state : undefined;
    const policy = this.policy;
    let decision: RateLimitDecision;
    let entry: Entry;
    if (policy.kind === 'token_bucket') {
      const step = stepTokenBucket(previousState as TokenBucketState | undefined, policy, cost, mode, now);
      decision = tokenBucketDecision(policy, step.state.tokens, cost, step.allowed);
      const refillMs = policy.refillPerSecond > 0 ? ((policy.capacity - step.state.tokens) / policy.refillPerSecond) * 1000 : 0;
      entry = { state: step.state, idleAt: now + refillMs + 1000 };
    } else {
      const step = stepSlidingWindow(previousState as SlidingWindowState | undefined, policy, cost, mode, now);
      decision = slidingWindowDecision(policy, step.snapshot, cost, step.allowed);
      entry = { state: step.state, idleAt: (step.state.window + 2) * policy.windowSeconds * 1000 };
    }
    if (mode !== 'peek') {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      this.#evict(now);
    }
    return decision;
  }

  #evict(now: number): void {
    if (this.#entries.size <= this.#maxKeys) return;
    // Map iteration is insertion order and every write re-inserts: the first entries are the stalest.
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxKeys && entry.idleAt > now) break;
      this.#entries.delete(key);
    }
  }
}
