import { ENTRY_OVERHEAD_BYTES, stringBytes, trackCache } from '../cache/index.js';
import type { ConsumeOptions, RateLimitDecision, RateLimiter, RateLimitPolicy } from './rate-limiter.js';
import { slidingWindowDecision, stepSlidingWindow, type SlidingWindowState } from './sliding-window.js';
import { stepTokenBucket, tokenBucketDecision, type TokenBucketState } from './token-bucket.js';

/** Options for {@link MemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Injectable clock (ms). */
  now?: () => number;
  /** Upper bound on tracked keys; the stalest are dropped first. Default 100 000. */
  maxKeys?: number;
  /** Upper bound on the estimated bytes of the tracked keys and their state (default 16 MiB): keys are client-chosen in part (addresses, key ids), so their count alone does not bound memory. */
  maxBytes?: number;
  /** The limiter's name in the cache metrics (`acai_cache_bytes{cache="…"}`); default rate_limit_buckets. */
  name?: string;
}

/** A bucket's or window's state object (two or three numbers) besides the key and the Map entry. */
const STATE_BYTES = 64;

function entryBytes(key: string): number {
  return stringBytes(key) + STATE_BYTES + ENTRY_OVERHEAD_BYTES;
}

interface Entry {
  state: TokenBucketState | SlidingWindowState;
  /** When the entry no longer matters (bucket full again / both windows past). */
  idleAt: number;
}

/**
 * In-process limiter with exactly the arithmetic of the Redis one (shared step functions), for single
 * replicas without Redis. Limits are per process. Its keys are bounded by count and by estimated bytes,
 * and it reports both as an in-process cache (cache-directory.ts).
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly backend = 'memory' as const;
  readonly policy: RateLimitPolicy;
  readonly name: string;
  readonly maxBytes: number;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxKeys: number;
  #bytes = 0;
  #evictions = 0;

  constructor(policy: RateLimitPolicy, options: MemoryRateLimiterOptions = {}) {
    this.policy = policy;
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.name = options.name ?? 'rate_limit_buckets';
    trackCache(this);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Tracked keys (the cache metrics' name for {@link size}). */
  get entries(): number {
    return this.#entries.size;
  }

  /** Estimated bytes of the tracked keys and their state. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keys dropped while they still mattered, to stay within the bounds. */
  get evictions(): number {
    return this.#evictions;
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
      if (this.#entries.delete(key)) this.#bytes -= entryBytes(key);
      this.#entries.set(key, entry);
      this.#bytes += entryBytes(key);
      this.#evict(now);
    }
    return decision;
  }

  #isOverBounds(): boolean {
    return this.#entries.size > this.#maxKeys || this.#bytes > this.maxBytes;
  }

  #evict(now: number): void {
    if (!this.#isOverBounds()) return;
    // Map iteration is insertion order and every write re-inserts: the first entries are the stalest.
    for (const [key, entry] of this.#entries) {
      const isOverBounds = this.#isOverBounds();
      if (!isOverBounds && entry.idleAt > now) break;
      this.#entries.delete(key);
      this.#bytes -= entryBytes(key);
      if (entry.idleAt > now) this.#evictions += 1;
    }
  }
}
