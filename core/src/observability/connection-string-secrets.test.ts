import { describe, expect, it } from 'vitest';
import { connectionStringSecrets } from './connection-string-secrets.js';
import { redactUrl } from './redact-url.js';
import { SecretRegistry } from './secret-registry.js';

describe('connectionStringSecrets', () => {
  it.each([
    ['mongodb://acai:s3cr%2Fet@h1:27017,h2:27017/acai?replicaSet=rs0', ['s3cr/et']],
    ['redis+sentinel://:p4ssword@s1:26379,s2:26379/mymaster?sentinelPassword=TopSecret', ['p4ssword', 'TopSecret']],
    ['rediss://default:tok3n@cache.example:6380', ['tok3n']],
    ['redis+cluster://n1:7000,n2:7001', []],
    ['mongodb://user@host/db?authSource=admin', []],
    ['not a url', []],
  ])('finds the secrets of %s', (text, expected) => {
    expect(connectionStringSecrets(text)).toEqual(expected);
  });

  it('lets the registry scrub a password that no URL pattern would recognise, e.g. a misparsed host list', () => {
    const secrets = new SecretRegistry();
    const url = 'mongodb://acai:hunter2/x@h1:27017/acai';
    for (const secret of connectionStringSecrets(url)) secrets.register(secret);
    expect(secrets.scrub('MONGODB_URL: could not use "acai:hunter2/x" as a host')).not.toContain('hunter2');
  });
});

describe('redactUrl', () => {
  it('hides every password-like query parameter, whatever its prefix', () => {
    const redacted = redactUrl('redis+sentinel://s1:26379/m?sentinelPassword=TopSecret&db=0&client_secret=abc123&API_KEY=k9');
    expect(redacted).toBe('redis+sentinel://s1:26379/m?sentinelPassword=***&db=0&client_secret=***&API_KEY=***');
  });
});
