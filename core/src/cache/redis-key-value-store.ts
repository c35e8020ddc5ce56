import { Cluster, Redis, ReplyError, type RedisOptions } from 'ioredis';
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
  /** After a command timed out, commands fail at once for this long (default 1 s); then one command probes. */
  failFastMs?: number;
  /** Injectable clock (ms). */
  now?: () => number;
}

/** Thrown instead of sending a command while Redis is known to be unreachable. */
export class RedisUnavailableError extends Error {
  constructor() {
    super('Redis is unreachable (a recent command failed); failing fast');
    this.name = 'RedisUnavailableError';
  }
}

/**
 * KeyValueStore on Redis; fails fast so callers can fall back while Redis is down. A refused connection
 * fails at once already (no offline queue), but a Redis that stops answering would make every command
 * wait its full timeout, one request after another, while turns pile up behind them (bench:capacity's
 * Redis-loss run). So after a command timed out, commands fail at once for `failFastMs`; then a single
 * command probes, and its success ends the window.
 */
export class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  readonly client: RedisClient;
  readonly #ownsClient: boolean;
  readonly #failFastMs: number;
  readonly #now: () => number;
  #failingUntil = Number.NEGATIVE_INFINITY;
  #isProbing = false;

  constructor(options: RedisKeyValueStoreOptions) {
    this.#failFastMs = options.failFastMs ?? 1000;
    this.#now = options.now ?? Date.now;
    if (options.client) {
      this.client = options.client;
      this.#ownsClient = false;
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
      this.#ownsClient = true;
    }
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.#guarded(() => this.client.get(key));
    return value ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    if (ttlSeconds !== undefined && ttlSeconds > 0) {
      await this.#guarded(() => this.client.set(key, value, 'PX', Math.round(ttlSeconds * 1000)));
    } else {
      await this.#guarded(() => this.client.set(key, value));
    }
  }

  async delete(key: string): Promise<void> {
    await this.#guarded(() => this.client.del(key));
  }

  async expire(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.#guarded(() => this.client.pexpire(key, Math.round(ttlSeconds * 1000)))) === 1;
  }

  /** Always asks Redis (readiness probes must see it come back), and a success ends the fail-fast window. */
  async ping(): Promise<void> {
    await this.#guarded(() => this.client.ping(), true);
  }

  async #guarded<T>(command: () => Promise<T>, alwaysSend = false): Promise<T> {
    const isHealthy = this.#failingUntil === Number.NEGATIVE_INFINITY;
    let isProbe = false;
    if (!isHealthy && !alwaysSend) {
      if (this.#now() < this.#failingUntil || this.#isProbing) throw new RedisUnavailableError();
      isProbe = true;
      this.#isProbing = true;
    }
    try {
      const result = await command();
      this.#failingUntil = Number.NEGATIVE_INFINITY;
      return result;
    } catch (error) {
      // Only a command that waited out its timeout opens the window: a refused or closed connection
      // fails at once anyway (no offline queue), and a reply error means Redis answered.
      if (isTimeout(error)) this.#failingUntil = this.#now() + this.#failFastMs;
      throw error;
    } finally {
      if (isProbe) this.#isProbing = false;
    }
  }

  async close(): Promise<void> {
    if (this.#ownsClient) this.client.disconnect();
  }
}

/** ioredis rejects a command that waited `commandTimeout` with this message. */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && !(error instanceof ReplyError) && /command timed out/i.test(error.message);
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
