import type { RedisClient } from '../cache/index.js';
import type { ConsumeOptions, RateLimitDecision, RateLimiter, RateLimitPolicy } from './rate-limiter.js';
import { SLIDING_WINDOW_LUA, slidingWindowDecision } from './sliding-window.js';
import { TOKEN_BUCKET_LUA, tokenBucketDecision } from './token-bucket.js';

/** Options for {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** The process's shared client; commands should fail fast (no offline queue) so the host can fail open. */
  client: RedisClient;
  /** Prepended to every key after the client's own keyPrefix, e.g. `rl:requests:`. */
  keyPrefix: string;
  /** Injectable clock (ms) for tests; by default the script uses Redis TIME, one clock for all replicas. */
  now?: () => number;
}

type ScriptRunner = (key: string, ...arguments_: Array<string | number>) => Promise<Array<number | string>>;

const COMMANDS = { token_bucket: 'acaiTokenBucket', sliding_window: 'acaiSlidingWindow' } as const;

/**
 * Limiter shared by every replica: each decision is ONE atomic Lua script (EVALSHA, reloaded on
 * NOSCRIPT by ioredis), so concurrent requests on different hosts never both take the last token.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly backend = 'redis' as const;
  readonly policy: RateLimitPolicy;
  readonly #keyPrefix: string;
  readonly #now: (() => number) | undefined;
  readonly #run: ScriptRunner;

  constructor(policy: RateLimitPolicy, options: RedisRateLimiterOptions) {
    this.policy = policy;
    this.#keyPrefix = options.keyPrefix;
    this.#now = options.now;
    const name = COMMANDS[policy.kind];
    const client = options.client as RedisClient & Record<string, unknown>;
    if (typeof client[name] !== 'function') {
      client.defineCommand(name, { numberOfKeys: 1, lua: policy.kind === 'token_bucket' ? TOKEN_BUCKET_LUA : SLIDING_WINDOW_LUA });
    }
    this.#run = (client[name] as ScriptRunner).bind(client);
  }

  async consume(key: string, options: ConsumeOptions = {}): Promise<RateLimitDecision> {
    const cost = options.cost ?? 1;
    if (!Number.isInteger(cost) || cost < 0) throw new RangeError(`rate-limit cost must be a whole number ≥ 0, got ${cost}`);
    const mode = options.mode ?? 'consume';
    const now = this.#now?.() ?? -1;
    const policy = this.policy;
    if (policy.kind === 'token_bucket') {
      const [allowed, tokens] = await this.#run(this.#keyPrefix + key, policy.capacity, policy.refillPerSecond, cost, mode, now);
      return tokenBucketDecision(policy, Number(tokens), cost, Number(allowed) === 1);
    }
    const [allowed, current, previous, elapsed] = await this.#run(this.#keyPrefix + key, policy.limit, policy.windowSeconds, cost, mode, now);
    return slidingWindowDecision(policy, { current: Number(current), previous: Number(previous), elapsedMs: Number(elapsed) }, cost, Number(allowed) === 1);
  }
}
