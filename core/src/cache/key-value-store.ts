/**
 * The one shared key-value abstraction for sessions, caches and counters.
 * Redis in production (shared by replicas); memory when no REDIS_URL is set.
 * Implementations throw on transport failure so callers can degrade explicitly.
 */
export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | undefined>;
  /** Sets a value; `ttlSeconds` > 0 makes it expire. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Resets the TTL of an existing key; returns false when the key does not exist. */
  expire(key: string, ttlSeconds: number): Promise<boolean>;
  /** Health probe; throws when unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
