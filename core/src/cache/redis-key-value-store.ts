import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { KeyValueStore } from './key-value-store.js';
import { parseRedisConnection } from './redis-connection.js';

/** The process's one Redis client: a single server (possibly found through Sentinel) or a Cluster. */
export type RedisClient = Redis | Cluster;

/** Options for {@link RedisKeyValueStore}. */
export interface RedisKeyValueStoreOptions {
  /** REDIS_URL: redis://, rediss://, redis+sentinel://…/<master> or redis+cluster:// (see redis-connection.ts). */
  url?: string;
  /** An existing client to share (one Redis client per process). */
  client?: RedisClient;
  /** Prefix for every key (e.g. per test file or per deployment). */
  keyPrefix?: string;
  /** How long a command may wait before failing, so a dead Redis degrades fast instead of hanging requests. */
  commandTimeoutMs?: number;
}

/** KeyValueStore on Redis; fails fast (no offline queue) so callers can fall back while Redis is down. */
export class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  readonly client: RedisClient;
  private readonly ownsClient: boolean;

  constructor(options: RedisKeyValueStoreOptions) {
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      if (!options.url) throw new Error('RedisKeyValueStore needs a url or a client');
      this.client = createRedisClient(options.url, {
        keyPrefix: options.keyPrefix ?? '',
        lazyConnect: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: options.commandTimeoutMs ?? 1000,
        // Keep reconnecting in the background; callers see fast failures meanwhile.
        retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      });
      // Connection errors are reported through failed commands and readiness, not as crashes.
      this.client.on('error', () => {});
      this.ownsClient = true;
    }
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.client.get(key);
    return value ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    if (ttlSeconds !== undefined && ttlSeconds > 0) {
      await this.client.set(key, value, 'PX', Math.round(ttlSeconds * 1000));
    } else {
      await this.client.set(key, value);
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.del(key);
  }

  async expire(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.client.pexpire(key, Math.round(ttlSeconds * 1000))) === 1;
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.disconnect();
  }
}

/**
 * Builds the client REDIS_URL names. Sentinel: ioredis asks the sentinels for the current primary
 * and follows failovers. Cluster: the seed nodes give the slot map; every command the host sends
 * touches one key (the rate-limit scripts too), so no cross-slot command is ever needed.
 */
export function createRedisClient(url: string, options: RedisOptions): RedisClient {
  const connection = parseRedisConnection(url);
  switch (connection.kind) {
    case 'standalone':
      return new Redis(connection.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: connection.sentinels.map((node) => ({ host: node.host, port: node.port })),
        name: connection.masterName,
        db: connection.db,
        ...(connection.username ? { username: connection.username } : {}),
        ...(connection.password ? { password: connection.password } : {}),
        ...(connection.sentinelPassword ? { sentinelPassword: connection.sentinelPassword } : {}),
        ...(connection.tls ? { tls: {} } : {}),
        sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
      });
    case 'cluster': {
      const { keyPrefix, enableOfflineQueue, retryStrategy, ...perNode } = options;
      return new Cluster(
        connection.nodes.map((node) => ({ host: node.host, port: node.port })),
        {
          ...(keyPrefix === undefined ? {} : { keyPrefix }),
          ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
          ...(typeof retryStrategy === 'function' ? { clusterRetryStrategy: (attempt: number) => retryStrategy(attempt) ?? null } : {}),
          redisOptions: {
            ...perNode,
            ...(connection.username ? { username: connection.username } : {}),
            ...(connection.password ? { password: connection.password } : {}),
            ...(connection.tls ? { tls: {} } : {}),
          },
        },
      );
    }
  }
}
