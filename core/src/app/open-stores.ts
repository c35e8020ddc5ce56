import { join } from 'node:path';
import type { Logger } from 'pino';
import { MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore, type RedisClient } from '../cache/index.js';
import type { HostConfig } from '../config/env-config.js';
import { MongoApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from '../storage/api-keys/index.js';
import { createConversationStore, type ConversationStore } from '../storage/index.js';
import { openOperatorStores, operatorStoresLocation, type OperatorStores } from '../storage/operator/index.js';
import type { ShutdownSteps } from './shutdown-steps.js';

/** The adapters that hold state: one Redis client (or memory), the conversation store, the API-key store, the operator's records. */
export interface HostStores {
  readonly keyValueStore: KeyValueStore;
  /** The one Redis client of the process, shared by rate limits and quotas; undefined without REDIS_URL. */
  readonly redis: RedisClient | undefined;
  readonly store: ConversationStore;
  readonly apiKeys: ApiKeyStore;
  /** Operator overrides shared by replicas, and the audit log. */
  readonly operator: OperatorStores;
}

/**
 * Opens the stores the configuration names: Redis or memory for sessions and caches, MongoDB or the
 * embedded SQLite store for conversations and API keys. Each store's close is registered the moment
 * it is open, so a later failure closes it again.
 */
export async function openStores(config: HostConfig, logger: Logger, shutdown: ShutdownSteps): Promise<HostStores> {
  const keyValueStore: KeyValueStore = config.redis.url
    ? new RedisKeyValueStore({ url: config.redis.url, keyPrefix: config.redis.keyPrefix })
    : new MemoryKeyValueStore();
  shutdown.add('stores', () => keyValueStore.close());
  const redis = keyValueStore instanceof RedisKeyValueStore ? keyValueStore.client : undefined;

  const store = await createConversationStore({
    ...(config.mongodb.url ? { mongodbUrl: config.mongodb.url } : {}),
    mongoDatabase: config.mongodb.database,
    dataDir: config.dataDir,
    embeddedThread: config.embeddedStoreThread,
    logger,
  });
  shutdown.add('stores', () => store.close());

  const apiKeys: ApiKeyStore = config.mongodb.url
    ? new MongoApiKeyStore({ url: config.mongodb.url, database: config.mongodb.database })
    : new SqliteApiKeyStore(join(config.dataDir, 'keys.db'));
  shutdown.add('stores', () => apiKeys.close());

  const operator = openOperatorStores(operatorStoresLocation({ mongodbUrl: config.mongodb.url, database: config.mongodb.database, dataDir: config.dataDir }));
  shutdown.add('stores', () => operator.close());

  return { keyValueStore, redis, store, apiKeys, operator };
}
