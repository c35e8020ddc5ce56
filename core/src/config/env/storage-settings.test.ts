import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import { readMongodbSettings, readRedisSettings } from './storage-settings.js';

describe('readMongodbSettings and readRedisSettings', () => {
  it('leaves both stores unset by default, with the acai database and key prefix', () => {
    const read = new EnvReader({}, '/srv');
    expect(readMongodbSettings(read)).toEqual({ url: undefined, database: 'acai' });
    expect(readRedisSettings(read)).toEqual({ url: undefined, keyPrefix: 'acai:' });
  });

  it('accepts replica-set and Sentinel connection strings, which are not WHATWG URLs', () => {
    const read = new EnvReader({ MONGODB_URL: 'mongodb://a:27017,b:27017/acai?replicaSet=rs0', MONGODB_DATABASE: 'chat', REDIS_URL: 'redis+sentinel://s1:26379,s2:26379/mymaster', REDIS_KEY_PREFIX: 'prod:' }, '/srv');
    expect(readMongodbSettings(read)).toEqual({ url: 'mongodb://a:27017,b:27017/acai?replicaSet=rs0', database: 'chat' });
    expect(readRedisSettings(read)).toEqual({ url: 'redis+sentinel://s1:26379,s2:26379/mymaster', keyPrefix: 'prod:' });
    expect(read.problems).toEqual([]);
  });

  it('reports a connection string of the wrong kind, naming the variable', () => {
    const read = new EnvReader({ MONGODB_URL: 'http://db', REDIS_URL: 'http://cache' }, '/srv');
    readMongodbSettings(read);
    readRedisSettings(read);
    expect(read.problems).toHaveLength(2);
    expect(read.problems[0]).toMatch(/^MONGODB_URL: /);
    expect(read.problems[1]).toMatch(/^REDIS_URL: /);
  });
});
