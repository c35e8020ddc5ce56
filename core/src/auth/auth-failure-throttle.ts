import { createHash } from 'node:crypto';
import type { RateLimitDecision, RateLimiter } from '../rate-limit/index.js';

/** Characters of a presented key that name its failure bucket: `acai_` and the first 8 random ones. */
const KEY_PREFIX_LENGTH = 13;

/** Which budget a run of failures spent: the client address's, or the presented key prefix's. */
export type ThrottledBy = 'address' | 'key_prefix';

/** A spent failure budget: refuse with 429 and this Retry-After. */
export interface FailureThrottle {
  readonly by: ThrottledBy;
  readonly retryAfterSeconds: number;
}

/**
 * Counts failed authentications in two buckets of `limiter`, apart from its request budgets: one per client
 * address (`auth-failures:ip:<address>`) and one per presented key prefix (`auth-failures:key:<digest>`,
 * so a key that keeps failing is slowed from every address). Only failures are counted and only failures
 * are throttled: a request whose key checks out is served whatever others did from its address or with a
 * look-alike key, so one guesser behind a NAT cannot lock out the clients next to it.
 */
export class AuthFailureThrottle {
  readonly #limiter: RateLimiter;

  constructor(limiter: RateLimiter) {
    this.#limiter = limiter;
  }

  /**
   * Whether a request that presents no usable key (none, or two different ones) should be refused before
   * anything else: its address has spent its failure budget. No valid key can be refused this way.
   */
  async throttledWithoutKey(address: string): Promise<FailureThrottle | undefined> {
    return spent('address', await this.#limiter.consume(addressBucket(address), { mode: 'peek' }));
  }

  /**
   * Records one failure against the address and the presented key's prefix; returns the budget that is
   * spent (the answer becomes 429 instead of 401), or undefined while both have room.
   */
  async recordFailure(address: string, presentedKey: string | undefined): Promise<FailureThrottle | undefined> {
    const [byAddress, byKey] = await Promise.all([
      this.#limiter.consume(addressBucket(address), { mode: 'record' }),
      presentedKey === undefined ? undefined : this.#limiter.consume(keyPrefixBucket(presentedKey), { mode: 'record' }),
    ]);
    return spent('address', byAddress) ?? (byKey === undefined ? undefined : spent('key_prefix', byKey));
  }
}

/** The failure bucket of a client address. */
export function addressBucket(address: string): string {
  return `auth-failures:ip:${address}`;
}

/**
 * The failure bucket of a presented key: a digest of its first characters, so the bucket name (in
 * Redis, in logs of Redis) never holds any part of a key, and keys that differ only after the prefix share it.
 */
export function keyPrefixBucket(presentedKey: string): string {
  const digest = createHash('sha256').update(presentedKey.slice(0, KEY_PREFIX_LENGTH)).digest('hex').slice(0, 24);
  return `auth-failures:key:${digest}`;
}

/** A decision whose budget is exhausted (`record` always takes the unit, so "allowed" is false once over). */
function spent(by: ThrottledBy, decision: RateLimitDecision): FailureThrottle | undefined {
  if (decision.allowed || decision.isDegraded === true) return undefined;
  return { by, retryAfterSeconds: Math.max(1, decision.retryAfterSeconds) };
}
