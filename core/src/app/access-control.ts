import type { Logger } from 'pino';
import {
  API_KEY_SCOPES,
  createAuthenticator,
  loadApiKeysFile,
  parseBootstrapKeys,
  parseTrustedNetworks,
  WHOAMI_PATH,
  type ApiKeySource,
  type Authenticator,
  type ProtectedPrefix,
} from '../auth/index.js';
import type { RedisClient } from '../cache/index.js';
import { createClientIpResolver, type ClientIpResolver } from '../client-address/index.js';
import type { HostConfig } from '../config/env-config.js';
import { MCP_PATH } from '../mcp-server/index.js';
import type { HostMetrics, SecretRegistry } from '../observability/index.js';
import { createRequestLimiter, DEFAULT_EXEMPT_PATHS, type RateLimiter } from '../rate-limit/index.js';
import type { ApiKeyStore } from '../storage/api-keys/index.js';
import { TELEGRAM_WEBHOOK_PATH } from '../telegram/index.js';
import { telegramWebhookSettings } from './telegram-webhook-settings.js';

/** Who may call what, and how often: shared by the auth plugin, the rate limit and the /mcp route. */
export interface AccessControl {
  readonly clientIp: ClientIpResolver;
  readonly authenticator: Authenticator;
  /** Undefined when RATE_LIMIT_RPM is 0 (no request limit). */
  readonly requestLimiter: RateLimiter | undefined;
}

/** What {@link createAccessControl} reads besides the config. */
export interface AccessControlDependencies {
  readonly apiKeys: ApiKeyStore;
  readonly secrets: SecretRegistry;
  /** The shared Redis client, so every replica draws from one bucket per key; memory buckets without it. */
  readonly redis: RedisClient | undefined;
  readonly metrics: HostMetrics;
  readonly logger: Logger;
}

/**
 * URL prefixes and the scope each needs; the first match wins, so the admin service comes before the
 * chat service that shares its `/twirp/` prefix. Paths outside every prefix are public.
 */
export const PROTECTED_PREFIXES: readonly ProtectedPrefix[] = [
  { prefix: '/twirp/acai.admin.', scope: 'admin' },
  { prefix: '/twirp/', scope: 'chat' },
  { prefix: '/metrics', scope: ['metrics', 'admin'] },
  { prefix: MCP_PATH, scope: 'tools' },
  // Any valid key may ask who it is.
  { prefix: WHOAMI_PATH, scope: API_KEY_SCOPES },
];

/** The client address resolver, the authenticator over every key source, and the request limiter. */
export function createAccessControl(config: HostConfig, dependencies: AccessControlDependencies): AccessControl {
  const clientIp = createClientIpResolver(config.auth.trustedProxies);
  const authenticator = createAuthenticator({
    disabled: config.auth.disabled,
    sources: apiKeySources(config, dependencies.apiKeys, dependencies.secrets),
    trustedNetworks: parseTrustedNetworks(config.auth.trustedNetworks),
  });
  const requestLimiter = createRequestLimiter({
    requestsPerMinute: config.rateLimit.requestsPerMinute,
    burst: config.rateLimit.burst,
    ...(dependencies.redis ? { redis: dependencies.redis } : {}),
    metrics: dependencies.metrics,
    logger: dependencies.logger,
  });
  return { clientIp, authenticator, requestLimiter };
}

/**
 * Where API keys come from, in lookup order: bootstrap keys (API_KEYS, registered as secrets so they never
 * reach a log line), the keys file, then the store.
 */
export function apiKeySources(config: HostConfig, store: ApiKeyStore, secrets: SecretRegistry): ApiKeySource[] {
  const sources: ApiKeySource[] = [];
  if (config.auth.bootstrapKeys) {
    sources.push(parseBootstrapKeys(config.auth.bootstrapKeys));
    for (const entry of config.auth.bootstrapKeys.split(',')) secrets.register(entry.split(':')[0]?.trim());
  }
  if (config.auth.keysFile) sources.push(loadApiKeysFile(config.auth.keysFile));
  sources.push(store);
  return sources;
}

/**
 * Paths the request limit never charges: probes and scrapes, and the Telegram webhook when it is served.
 * The webhook is authenticated by its secret-token header, and every delivery comes from Telegram's few
 * addresses: a per-address bucket would throttle all of the bot's users together.
 */
export function rateLimitExemptPaths(config: HostConfig): readonly string[] {
  return [...DEFAULT_EXEMPT_PATHS, ...(telegramWebhookSettings(config) ? [TELEGRAM_WEBHOOK_PATH] : [])];
}
