import { Redis } from 'ioredis';
import type { KeyValueStore } from './key-value-store.js';

/** Options for {@link RedisKeyValueStore}. */
export interface RedisKeyValueStoreOptions {
  /** redis:// or rediss:// URL (Sentinel/Cluster users pass a configured client instead). */
  url?: string;
  /** An existing client to share (one Redis client per process). */
  client?: Redis;
  /** Prefix for every key (e.g. per test file or per deployment). */
  keyPrefix?: string;
  /** How long a command may wait before failing, so a dead Redis degrades fast instead of hanging requests. */
  commandTimeoutMs?: number;
}

/** KeyValueStore on Redis; fails fast (no offline queue) so callers can fall back while Redis is down. */
export class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private readonly ownsClient: boolean;

  constructor(options: RedisKeyValueStoreOptions) {
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      if (!options.url) throw new Error('RedisKeyValueStore needs a url or a client');
      this.client = new Redis(options.url, {
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
