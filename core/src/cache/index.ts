export type { KeyValueStore } from './key-value-store.js';
export { MemoryKeyValueStore } from './memory-key-value-store.js';
export { RedisKeyValueStore } from './redis-key-value-store.js';
export type { RedisKeyValueStoreOptions } from './redis-key-value-store.js';
export { countCacheLookups } from './count-cache-lookups.js';
export type { CacheLookupCounter } from './count-cache-lookups.js';
