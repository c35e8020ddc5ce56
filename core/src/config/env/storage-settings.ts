import { redisUrlProblem } from '../../cache/redis-connection.js';
import { mongodbUrlProblem } from '../../storage/mongodb-url-problem.js';
import type { EnvReader } from './env-reader.js';

/** MongoDB; without a URL the embedded SQLite store in the data directory is used. */
export interface MongodbSettings {
  readonly url: string | undefined;
  readonly database: string;
}

/** Redis; without a URL the in-memory key-value store is used. */
export interface RedisSettings {
  readonly url: string | undefined;
  readonly keyPrefix: string;
}

/** MONGODB_URL, MONGODB_DATABASE. */
export function readMongodbSettings(read: EnvReader): MongodbSettings {
  return { url: read.connectionString('MONGODB_URL', mongodbUrlProblem), database: read.text('MONGODB_DATABASE') ?? 'acai' };
}

/** REDIS_URL (redis://, rediss://, Sentinel and Cluster forms), REDIS_KEY_PREFIX. */
export function readRedisSettings(read: EnvReader): RedisSettings {
  return { url: read.connectionString('REDIS_URL', redisUrlProblem), keyPrefix: read.text('REDIS_KEY_PREFIX') ?? 'acai:' };
}
