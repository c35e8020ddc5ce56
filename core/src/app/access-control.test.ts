import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../auth/index.js';
import { loadHostConfig } from '../config/env-config.js';
import { HostError } from '../errors/index.js';
import { LIVENESS_PATHS, READINESS_PATHS } from '../health/index.js';
import { createMetrics, SecretRegistry } from '../observability/index.js';
import { SqliteApiKeyStore } from '../storage/api-keys/index.js';
import { TELEGRAM_WEBHOOK_PATH } from '../telegram/index.js';
import { apiKeySources, createAccessControl, PROTECTED_PREFIXES, rateLimitExemptPaths } from './access-control.js';

const BOOTSTRAP_KEY = 'acai_bootstrap_key_0123456789';

let directory: string | undefined;
let store: SqliteApiKeyStore | undefined;

function keyStore(): SqliteApiKeyStore {
  directory = mkdtempSync(join(tmpdir(), 'acai-access-'));
  store = new SqliteApiKeyStore(join(directory, 'keys.db'));
  return store;
}

afterEach(async () => {
  await store?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
  store = undefined;
  directory = undefined;
});

describe('apiKeySources', () => {
  it('looks keys up in the bootstrap keys, then the store, and registers bootstrap keys as secrets', async () => {
    const config = loadHostConfig({ ACAI_API_KEYS: `${BOOTSTRAP_KEY}:acme:chat` }, '/srv/acai');
    const secrets = new SecretRegistry();
    const database = keyStore();
    const sources = apiKeySources(config, database, secrets);
    expect(sources).toHaveLength(2);
    expect(sources.at(-1)).toBe(database);
    expect(await sources[0]!.findByHash(hashApiKey(BOOTSTRAP_KEY))).toMatchObject({ tenantId: 'acme' });
    expect(secrets.scrub(`key ${BOOTSTRAP_KEY}`)).toBe('key [REDACTED]');
  });

  it('asks only the store when no bootstrap keys or keys file are configured', () => {
    const database = keyStore();
    expect(apiKeySources(loadHostConfig({}, '/srv/acai'), database, new SecretRegistry())).toEqual([database]);
  });
});

describe('rateLimitExemptPaths', () => {
  it('exempts probes and scrapes, and the Telegram webhook only when the host serves it', () => {
    const without = rateLimitExemptPaths(loadHostConfig({}, '/srv/acai'));
    expect(without).toEqual(['/healthz', '/readyz', '/health', '/ready', '/metrics']);
    // Every probe path the health routes serve, the old service's included.
    for (const path of [...LIVENESS_PATHS, ...READINESS_PATHS]) expect(without).toContain(path);
    expect(rateLimitExemptPaths(loadHostConfig({ TELEGRAM_BOT_TOKEN: '123:abc-token' }, '/srv/acai'))).toEqual(without);
    const served = rateLimitExemptPaths(loadHostConfig({ TELEGRAM_BOT_TOKEN: '123:abc-token', TELEGRAM_WEBHOOK_SECRET: 'hook-secret' }, '/srv/acai'));
    expect(served).toEqual([...without, TELEGRAM_WEBHOOK_PATH]);
  });
});

describe('PROTECTED_PREFIXES', () => {
  it('puts the admin service before the chat service that shares its prefix (first match wins)', () => {
    const prefixes = PROTECTED_PREFIXES.map((entry) => entry.prefix);
    expect(prefixes.indexOf('/twirp/acai.admin.')).toBeLessThan(prefixes.indexOf('/twirp/'));
    expect(PROTECTED_PREFIXES.find((entry) => entry.prefix === '/mcp')?.scope).toBe('tools');
  });

  it('leaves the probes and the root document public', () => {
    for (const path of ['/', ...LIVENESS_PATHS, ...READINESS_PATHS]) {
      expect(PROTECTED_PREFIXES.filter((entry) => path.startsWith(entry.prefix)), path).toEqual([]);
    }
  });
});

describe('createAccessControl', () => {
  it('refuses an invalid ACAI_TRUSTED_PROXIES with a config error naming the variable', () => {
    const config = { ...loadHostConfig({}, '/srv/acai') };
    const broken = { ...config, auth: { ...config.auth, trustedProxies: ['10.0.0.0/33'] } };
    const build = () => createAccessControl(broken, { apiKeys: keyStore(), secrets: new SecretRegistry(), redis: undefined, metrics: createMetrics(), logger: pino({ level: 'silent' }) });
    expect(build).toThrow(HostError);
    expect(build).toThrow(/ACAI_TRUSTED_PROXIES/);
  });

  it('has no request limiter when the request limit is off', () => {
    const config = loadHostConfig({ RATE_LIMIT_PER_MINUTE: '0' }, '/srv/acai');
    const access = createAccessControl(config, { apiKeys: keyStore(), secrets: new SecretRegistry(), redis: undefined, metrics: createMetrics(), logger: pino({ level: 'silent' }) });
    expect(access.requestLimiter).toBeUndefined();
    expect(access.clientIp({ socket: { remoteAddress: '::ffff:10.1.2.3' }, headers: {} })).toBe('10.1.2.3');
  });
});
