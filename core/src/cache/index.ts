export type { KeyValueStore } from './key-value-store.js';
export { MemoryKeyValueStore } from './memory-key-value-store.js';
export { RedisKeyValueStore, createRedisClient } from './redis-key-value-store.js';
export type { RedisClient, RedisKeyValueStoreOptions } from './redis-key-value-store.js';
export { parseRedisConnection, redisUrlProblem } from './redis-connection.js';
export type { RedisConnection, RedisNodeAddress } from './redis-connection.js';
export { countCacheLookups } from './count-cache-lookups.js';
export type { CacheLookupCounter } from './count-cache-lookups.js';
