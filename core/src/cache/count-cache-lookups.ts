import type { KeyValueStore } from './key-value-store.js';

/** The counter the lookups are recorded on (prom-client's Counter fits): `{cache, result}`. */
export interface CacheLookupCounter {
  inc(labels: { cache: string; result: 'hit' | 'miss' | 'error' }): void;
}

/**
 * A view of a KeyValueStore that counts every `get` as a hit, a miss or an error under one cache name
 * (`title`, `plugin`…), feeding acai_cache_requests_total. Writes pass straight through; the store is
 * shared, so closing the view closes nothing.
 */
export function countCacheLookups(store: KeyValueStore, counter: CacheLookupCounter, cache: string): KeyValueStore {
  return {
    kind: store.kind,
    async get(key) {
      let value: string | undefined;
      try {
        value = await store.get(key);
      } catch (error) {
        counter.inc({ cache, result: 'error' });
        throw error;
      }
      counter.inc({ cache, result: value === undefined ? 'miss' : 'hit' });
      return value;
    },
    set: (key, value, ttlSeconds) => store.set(key, value, ttlSeconds),
    delete: (key) => store.delete(key),
    expire: (key, ttlSeconds) => store.expire(key, ttlSeconds),
    ping: () => store.ping(),
    close: async () => {},
  };
}
