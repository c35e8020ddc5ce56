import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createAuthenticator, hashApiKey, listApiKeys, revokeApiKey } from '../../core/src/auth/index.js';
import { MongoApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from '../../core/src/storage/api-keys/index.js';
import { requireMongoUrl, uniqueName } from '../support/env.js';

// One contract, two stores: the MongoDB `api_keys` collection and the embedded SQLite keys.db.
const mongoUrl = requireMongoUrl();
const databaseName = uniqueName('edge_keys');
const dataDir = mkdtempSync(join(tmpdir(), 'acai-keys-'));
const mongoClient = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5000 });

afterAll(async () => {
  await mongoClient.db(databaseName).dropDatabase().catch(() => {});
  await mongoClient.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const factories: Array<[string, () => ApiKeyStore]> = [
  ['sqlite', () => new SqliteApiKeyStore(join(dataDir, `keys-${Math.random().toString(36).slice(2)}.db`))],
  ['mongodb', () => new MongoApiKeyStore({ db: mongoClient.db(databaseName), collection: `api_keys_${Math.random().toString(36).slice(2)}` })],
];

describe.each(factories)('%s API key store', (_kind, makeStore) => {
  let store: ApiKeyStore;
  beforeAll(async () => {
    store = makeStore();
    await store.ping();
  });
  afterAll(() => store.close());

  it('stores only the hash and finds the key by it', async () => {
    const { key, summary } = await createApiKey(store, { tenantId: 'acme', scopes: ['chat', 'metrics'], label: 'ci' });
    const record = await store.findByHash(hashApiKey(key));
    expect(record).toMatchObject({ id: summary.id, tenantId: 'acme', scopes: ['chat', 'metrics'], label: 'ci', hash: hashApiKey(key) });
    expect(record?.revokedAt).toBeUndefined();
    const everything = JSON.stringify(await store.list());
    expect(everything).not.toContain(key);
    expect(await store.findByHash(hashApiKey(`${key}x`))).toBeUndefined();
  });

  it('lists newest first, by tenant, without hashes in summaries', async () => {
    const older = await createApiKey(store, { tenantId: 'listing', scopes: ['chat'] }, { now: new Date('2025-01-01T00:00:00Z') });
    const newer = await createApiKey(store, { tenantId: 'listing', scopes: ['admin'] }, { now: new Date('2025-02-01T00:00:00Z') });
    const summaries = await listApiKeys(store, { tenantId: 'listing' });
    expect(summaries.map((summary) => summary.id)).toEqual([newer.summary.id, older.summary.id]);
    expect(summaries[0]).not.toHaveProperty('hash');
  });

  it('revokes once and keeps the revoked key listed', async () => {
    const { key, summary } = await createApiKey(store, { tenantId: 'revoking', scopes: ['chat'] });
    const authenticator = createAuthenticator({ sources: [{ name: store.kind, findByHash: (hash) => store.findByHash(hash) }], cacheTtlMs: 0 });
    expect((await authenticator.authenticate({ apiKey: key, clientIp: '127.0.0.1' })).ok).toBe(true);
    expect(await revokeApiKey(store, summary.id)).toBe(true);
    expect(await revokeApiKey(store, summary.id)).toBe(false);
    expect(await revokeApiKey(store, 'key_doesNotExist')).toBe(false);
    expect(await authenticator.authenticate({ apiKey: key, clientIp: '127.0.0.1' })).toEqual({ ok: false, reason: 'revoked' });
    const [listed] = await listApiKeys(store, { tenantId: 'revoking' });
    expect(listed?.revokedAt).toBeInstanceOf(Date);
  });

  it('refuses a duplicate hash', async () => {
    const record = { id: 'key_dup1', tenantId: 't', scopes: ['chat'], label: '', hash: hashApiKey('acai_duplicate0000000000'), createdAt: new Date() };
    await store.insert(record);
    await expect(store.insert({ ...record, id: 'key_dup2' })).rejects.toThrow();
  });
});
