import { describe, expect, it } from 'vitest';
import { loadHostConfig } from '../config/env-config.js';
import { parseRedisConnection, redisUrlProblem } from './redis-connection.js';

describe('parseRedisConnection', () => {
  it('hands single-server URLs to ioredis unchanged', () => {
    expect(parseRedisConnection('redis://:secret@cache.internal:6380/2')).toEqual({ kind: 'standalone', url: 'redis://:secret@cache.internal:6380/2' });
    expect(parseRedisConnection('rediss://cache.example.com')).toEqual({ kind: 'standalone', url: 'rediss://cache.example.com' });
  });

  it('reads Sentinel seed lists with the master name, database, credentials and sentinel password', () => {
    expect(parseRedisConnection('redis+sentinel://app:p%40ss@s1:26379,s2,[::1]:26380/mymaster/3?sentinelPassword=sp')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      masterName: 'mymaster',
      db: 3,
      username: 'app',
      password: 'p@ss',
      sentinelPassword: 'sp',
      tls: false,
    });
    expect(parseRedisConnection('rediss+sentinel://s1/primary')).toMatchObject({ kind: 'sentinel', masterName: 'primary', db: 0, tls: true });
  });

  it('reads Cluster seed nodes', () => {
    expect(parseRedisConnection('redis+cluster://:pw@n1:7000,n2:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      password: 'pw',
      tls: false,
    });
  });

  it.each([
    ['http://cache:6379', /expected redis:\/\//],
    ['redis://a:1,b:2', /one host/],
    ['redis+sentinel://s1:26379', /master name/],
    ['redis+sentinel://s1:26379/my master', /master name|host/],
    ['redis+sentinel://s1:26379/mymaster/x', /database number/],
    ['redis+cluster://n1:7000/0', /no path/],
    ['redis+cluster://n1:99999', /out of range/],
    ['redis+cluster://n1:7000,,n2', /not host/],
    [`redis+cluster://${Array.from({ length: 65 }, (_, index) => `n${index}:7000`).join(',')}`, /at most 64/],
    ['redis+sentinel://%E0%A4%A:x@s1/m', /percent-encoding/],
    ['', /expected/],
  ])('refuses %s with a message naming the problem', (value, message) => {
    expect(redisUrlProblem(value)).toMatch(message);
  });

  it('never quotes a host entry, which may hold part of a password with an unescaped / or ?', () => {
    const problem = redisUrlProblem('redis+sentinel://acai:s3cr/et@s1:26379,s2:26379/mymaster');
    expect(problem).toMatch(/host #1 is not host or host:port \(percent-encode/);
    expect(problem).not.toMatch(/acai|s3cr/);
  });

  it('lets the host configuration accept Sentinel and Cluster URLs and report bad ones by variable name', () => {
    expect(loadHostConfig({ REDIS_URL: 'redis+sentinel://s1:26379,s2:26379/mymaster' }).redis.url).toBe('redis+sentinel://s1:26379,s2:26379/mymaster');
    expect(() => loadHostConfig({ REDIS_URL: 'redis+sentinel://s1:26379' })).toThrow(/REDIS_URL: redis\+sentinel:\/\/ needs the master name/);
  });
});
