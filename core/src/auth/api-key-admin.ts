import { HostError } from '../errors/index.js';
import type { ApiKeyRecord, ApiKeyStore } from '../storage/api-keys/index.js';
import { generateApiKey, generateApiKeyId, hashApiKey } from './api-key-hash.js';
import { knownScopes, SCOPE_CHOICES, TENANT_ID_PATTERN, type ApiKeyScope } from './principal.js';

/** A key as listed: everything but the hash (and never the plaintext). */
export interface ApiKeySummary {
  readonly id: string;
  readonly tenantId: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly label: string;
  readonly createdAt: Date;
  readonly revokedAt?: Date;
}

/** Input for {@link createApiKey}. */
export interface CreateApiKeyInput {
  readonly tenantId: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly label?: string;
}

function summarize(record: ApiKeyRecord): ApiKeySummary {
  return {
    id: record.id,
    tenantId: record.tenantId,
    scopes: knownScopes(record.scopes),
    label: record.label,
    createdAt: record.createdAt,
    ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
  };
}

/**
 * Issues a key: stores its hash and returns the plaintext — the only time it exists anywhere.
 * Pass the same pepper the authenticator uses.
 */
export async function createApiKey(
  store: ApiKeyStore,
  input: CreateApiKeyInput,
  options: { pepper?: string; now?: Date } = {},
): Promise<{ key: string; summary: ApiKeySummary }> {
  if (!TENANT_ID_PATTERN.test(input.tenantId)) {
    throw new HostError('HOST_INVALID_ARGUMENT', 'tenant id must be 1-64 letters, digits, "_", "." or "-"', { meta: { argument: 'tenant' } });
  }
  const scopes = knownScopes(input.scopes);
  if (scopes.length === 0) throw new HostError('HOST_INVALID_ARGUMENT', `give at least one scope: ${SCOPE_CHOICES}`, { meta: { argument: 'scopes' } });
  const key = generateApiKey();
  const record: ApiKeyRecord = {
    id: generateApiKeyId(),
    tenantId: input.tenantId,
    scopes,
    label: input.label ?? '',
    hash: hashApiKey(key, options.pepper),
    createdAt: options.now ?? new Date(),
  };
  await store.insert(record);
  return { key, summary: summarize(record) };
}

/** Lists keys without hashes or plaintext, newest first. */
export async function listApiKeys(store: ApiKeyStore, filter: { tenantId?: string } = {}): Promise<ApiKeySummary[]> {
  return (await store.list(filter)).map(summarize);
}

/** Revokes a key by id; authenticators stop accepting it within their cache TTL (10 s by default). */
export async function revokeApiKey(store: ApiKeyStore, id: string, now: Date = new Date()): Promise<boolean> {
  return store.revoke(id, now);
}
