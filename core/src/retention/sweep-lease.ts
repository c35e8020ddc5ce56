import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../cache/index.js';

/** Whether this replica runs the sweep of this interval. */
export interface SweepLease {
  /** True when this replica holds the lease for `ttlMs` (or cannot tell: sweeping twice is harmless). */
  tryAcquire(ttlMs: number): Promise<boolean>;
}

/**
 * With Redis shared by the replicas: `SET NX PX` on one key, so one replica per interval does the work.
 * The lease is not released after the sweep — it expires — so the others skip the rest of that interval.
 * Redis being down fails open: every replica then sweeps, which is safe (each delete is conditional and
 * idempotent) and only costs duplicate reads.
 */
export function createRedisSweepLease(redis: RedisClient, onError: (error: unknown) => void, key = 'retention:lease'): SweepLease {
  const holder = randomUUID();
  return {
    async tryAcquire(ttlMs) {
      try {
        return (await redis.set(key, holder, 'PX', Math.max(1, Math.floor(ttlMs)), 'NX')) === 'OK';
      } catch (error) {
        onError(error);
        return true;
      }
    },
  };
}

/** Without Redis the replicas cannot coordinate, so each sweeps (safe, see above); usually there is one. */
export const UNCOORDINATED_LEASE: SweepLease = { tryAcquire: async () => true };
