import { readFileSync } from 'node:fs';
import { HostError } from '../errors/index.js';
import type { ApiKeyRecord } from '../storage/api-keys/index.js';
import { hashApiKey, hashesEqual, isApiKeyHash } from './api-key-hash.js';
import { isApiKeyScope, SCOPE_CHOICES } from './principal.js';

/** Anything that can find a key record by hash: env/file lists, the MongoDB or SQLite store. */
export interface ApiKeySource {
  /** Name for logs and errors (`env`, `file`); stores identify themselves by `kind`. */
  readonly name?: string;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
}

/** A fixed list of key records held in memory (bootstrap env keys, a keys file). */
export class StaticApiKeySource implements ApiKeySource {
  readonly name: string;
  readonly #records: readonly ApiKeyRecord[];

  constructor(name: string, records: readonly ApiKeyRecord[]) {
    this.name = name;
    this.#records = records;
  }

  get size(): number {
    return this.#records.length;
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    // Compare against every entry so timing doesn't reveal which one (if any) matched.
    let found: ApiKeyRecord | undefined;
    for (const record of this.#records) {
      if (hashesEqual(record.hash, hash) && found === undefined) found = record;
    }
    return found;
  }
}

function parseScopeList(scopes: string, where: string): string[] {
  const list = scopes.split('+').map((scope) => scope.trim()).filter((scope) => scope.length > 0);
  const unknown = list.filter((scope) => !isApiKeyScope(scope));
  if (list.length === 0 || unknown.length > 0) {
    throw new HostError('HOST_CONFIG_INVALID', `${where}: scopes must be ${SCOPE_CHOICES} joined with "+", got "${scopes}"`);
  }
  return list;
}

/**
 * Parses `ACAI_API_KEYS`: comma-separated `key:tenant:scope+scope` (e.g. `acai_abc…:acme:chat+metrics`).
 * Keys are hashed immediately; the plaintext is not kept.
 */
export function parseBootstrapKeys(text: string | undefined, pepper?: string): StaticApiKeySource {
  const records: ApiKeyRecord[] = [];
  const entries = (text ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  entries.forEach((entry, index) => {
    const parts = entry.split(':');
    const where = `ACAI_API_KEYS entry ${index + 1}`;
    if (parts.length !== 3 || parts.some((part) => part.trim() === '')) {
      throw new HostError('HOST_CONFIG_INVALID', `${where}: expected key:tenant:scope+scope (e.g. acai_xxx:acme:chat)`);
    }
    const [key, tenantId, scopes] = parts.map((part) => part.trim()) as [string, string, string];
    if (key.length < 16) throw new HostError('HOST_CONFIG_INVALID', `${where}: the key must be at least 16 characters`);
    const hash = hashApiKey(key, pepper);
    records.push({ id: `env_${hash.slice(0, 12)}`, tenantId, scopes: parseScopeList(scopes, where), label: 'ACAI_API_KEYS', hash, createdAt: new Date(0) });
  });
  return new StaticApiKeySource('env', records);
}

/** One entry of the keys file. */
interface KeysFileEntry {
  id?: unknown;
  tenantId?: unknown;
  scopes?: unknown;
  label?: unknown;
  hash?: unknown;
  createdAt?: unknown;
  revokedAt?: unknown;
}

/**
 * Loads a keys file (`ACAI_API_KEYS_FILE`): `{ "keys": [{ "id", "tenantId", "scopes": ["chat"], "label",
 * "hash": "<hex sha256 of the key>", "revokedAt"? }] }`. Only hashes, never keys.
 */
export function loadApiKeysFile(path: string): StaticApiKeySource {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new HostError('HOST_CONFIG_INVALID', `ACAI_API_KEYS_FILE ${path}: cannot read it as JSON (${(error as Error).message})`, { cause: error });
  }
  const entries = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(entries)) throw new HostError('HOST_CONFIG_INVALID', `ACAI_API_KEYS_FILE ${path}: expected { "keys": [ … ] }`);
  const records = entries.map((raw: KeysFileEntry, index): ApiKeyRecord => {
    const where = `ACAI_API_KEYS_FILE ${path} › keys[${index}]`;
    if (typeof raw.id !== 'string' || raw.id === '') throw new HostError('HOST_CONFIG_INVALID', `${where}.id: required string`);
    if (typeof raw.tenantId !== 'string' || raw.tenantId === '') throw new HostError('HOST_CONFIG_INVALID', `${where}.tenantId: required string`);
    if (typeof raw.hash !== 'string' || !isApiKeyHash(raw.hash)) {
      throw new HostError('HOST_CONFIG_INVALID', `${where}.hash: expected 64 lower-case hex characters (SHA-256 of the key; never the key itself)`);
    }
    if (!Array.isArray(raw.scopes) || !raw.scopes.every((scope): scope is string => typeof scope === 'string')) {
      throw new HostError('HOST_CONFIG_INVALID', `${where}.scopes: expected an array such as ["chat"]`);
    }
    const revokedAt = typeof raw.revokedAt === 'string' ? new Date(raw.revokedAt) : undefined;
    return {
      id: raw.id,
      tenantId: raw.tenantId,
      scopes: parseScopeList(raw.scopes.join('+'), where),
      label: typeof raw.label === 'string' ? raw.label : '',
      hash: raw.hash,
      createdAt: typeof raw.createdAt === 'string' ? new Date(raw.createdAt) : new Date(0),
      ...(revokedAt ? { revokedAt } : {}),
    };
  });
  return new StaticApiKeySource('file', records);
}
