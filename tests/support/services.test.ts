import { afterAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { requireMongoUrl, requireRedisUrl, uniqueName } from './env.js';

describe('provisioned test services', () => {
  const clients: Array<{ close(): Promise<unknown> | void }> = [];
  afterAll(async () => {
    for (const client of clients) await client.close();
  });

  it('reaches the Redis named by REDIS_URL', async () => {
    const redis = new Redis(requireRedisUrl(), { maxRetriesPerRequest: 1 });
    clients.push({ close: () => redis.disconnect() });
    expect(await redis.ping()).toBe('PONG');
  });

  it('reaches the MongoDB-wire server named by MONGODB_URL', async () => {
    const client = new MongoClient(requireMongoUrl(), { serverSelectionTimeoutMS: 5000 });
    clients.push(client);
    const database = client.db(uniqueName('support'));
    await database.collection('probe').insertOne({ ok: 1 });
    expect(await database.collection('probe').countDocuments()).toBe(1);
    await database.dropDatabase();
  });

  it('gives every caller a distinct name usable as a database name', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('some.test/file')));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^some_test_file_[a-z0-9]+_[0-9a-f]{6}$/);
  });
});
