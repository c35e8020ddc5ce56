import { ByteBoundedLru } from '../cache/index.js';
import { HostError } from '../errors/index.js';
import type { ApiKeyRecord } from '../storage/api-keys/index.js';
import { hashApiKey } from './api-key-hash.js';
import { API_KEY_SCOPES, knownScopes, type Principal } from './principal.js';
import type { ApiKeySource } from './static-api-key-source.js';
import type { TrustedNetwork } from './trusted-networks.js';

/** Options for {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  /** AUTH_DISABLED=true: everyone is tenant `default` with every scope (development only). */
  disabled?: boolean;
  /** Looked up in order; the first that knows a hash wins (env, file, store). */
  sources: readonly ApiKeySource[];
  trustedNetworks?: readonly TrustedNetwork[];
  /** HMAC pepper the keys were hashed with, if any. */
  pepper?: string;
  /** How long a lookup (hit or miss) is reused; revocation takes effect within this. Default 10 s. */
  cacheTtlMs?: number;
  /** Bound on cached lookups, so random keys can't grow memory. Default 10 000. */
  maxCacheEntries?: number;
  /** Injectable clock (ms). */
  now?: () => number;
}

/** Why a request was refused. */
export type AuthFailureReason = 'missing' | 'invalid' | 'revoked';

export type AuthResult = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly reason: AuthFailureReason };

/** What the authenticator needs from a request. */
export interface Credentials {
  /** The presented key, if any (already extracted from Authorization or X-API-Key). */
  readonly apiKey?: string;
  readonly clientIp: string;
}

/** Resolves credentials to a principal. */
export interface Authenticator {
  readonly isDisabled: boolean;
  /** Throws HOST_STORE_UNAVAILABLE only when a key store fails and nothing cached can answer. */
  authenticate(credentials: Credentials): Promise<AuthResult>;
  /**
   * The answer when it needs no key-store lookup (auth disabled, no key, a recently looked-up key),
   * else undefined. Lets the edge throttle only the requests that would reach the store.
   */
  cachedResult(credentials: Credentials): AuthResult | undefined;
  /** Drops cached lookups (after an admin revocation in this process). */
  clearCache(): void;
}

interface CacheEntry {
  readonly record: ApiKeyRecord | undefined;
  readonly expiresAt: number;
}

const DISABLED_PRINCIPAL: Principal = Object.freeze({ tenantId: 'default', scopes: [...API_KEY_SCOPES], source: 'auth_disabled' });

/**
 * API-key authentication with a short lookup cache: keys are hashed, looked up by hash in each source,
 * and compared in constant time by the sources that hold lists. Requests without a key are allowed only
 * from a trusted network (legacy clients) or when auth is disabled.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const ttlMs = options.cacheTtlMs ?? 10_000;
  const maxEntries = options.maxCacheEntries ?? 10_000;
  const now = options.now ?? Date.now;
  // A record is a few short strings; 512 bytes is a generous estimate (hit and miss entries alike).
  const cache = new ByteBoundedLru<CacheEntry>({ name: 'api_key_lookups', maxEntries, maxBytes: maxEntries * 1024, valueBytes: () => 512 });
  const trustedNetworks = options.trustedNetworks ?? [];

  async function lookUp(hash: string): Promise<ApiKeyRecord | undefined> {
    const cached = cache.get(hash);
    if (cached && cached.expiresAt > now()) return cached.record;
    let record: ApiKeyRecord | undefined;
    try {
      for (const source of options.sources) {
        record = await source.findByHash(hash);
        if (record) break;
      }
    } catch (error) {
      // A store outage should not log everyone out: a recently seen answer is good enough.
      if (cached) return cached.record;
      throw new HostError('HOST_STORE_UNAVAILABLE', 'API keys cannot be checked right now, retry later', { cause: error });
    }
    cache.set(hash, { record, expiresAt: now() + ttlMs });
    return record;
  }

  /** The answer for requests that carry no key (or when auth is off); undefined when a key must be looked up. */
  function resultWithoutKey(credentials: Credentials): AuthResult | undefined {
    if (options.disabled) return { ok: true, principal: DISABLED_PRINCIPAL };
    if (credentials.apiKey !== undefined && credentials.apiKey !== '') return undefined;
    const network = trustedNetworks.find((candidate) => candidate.networks.contains(credentials.clientIp));
    if (network) return { ok: true, principal: { tenantId: network.tenantId, scopes: network.scopes, source: 'trusted_network' } };
    return { ok: false, reason: 'missing' };
  }

  function toResult(record: ApiKeyRecord | undefined): AuthResult {
    if (record === undefined) return { ok: false, reason: 'invalid' };
    if (record.revokedAt !== undefined && record.revokedAt.getTime() <= now()) return { ok: false, reason: 'revoked' };
    return { ok: true, principal: { tenantId: record.tenantId, keyId: record.id, scopes: knownScopes(record.scopes), source: 'api_key' } };
  }

  return {
    isDisabled: options.disabled === true,
    async authenticate(credentials) {
      const withoutLookup = resultWithoutKey(credentials);
      if (withoutLookup !== undefined) return withoutLookup;
      return toResult(await lookUp(hashApiKey(credentials.apiKey!, options.pepper)));
    },
    cachedResult(credentials) {
      const withoutLookup = resultWithoutKey(credentials);
      if (withoutLookup !== undefined) return withoutLookup;
      const cached = cache.peek(hashApiKey(credentials.apiKey!, options.pepper));
      return cached !== undefined && cached.expiresAt > now() ? toResult(cached.record) : undefined;
    },
    clearCache() {
      cache.clear();
    },
  };
}
