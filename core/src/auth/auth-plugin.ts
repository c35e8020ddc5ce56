import { trace } from '@opentelemetry/api';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { HostError, toTwirpError } from '../errors/index.js';
import type { HostMetrics } from '../observability/index.js';
import type { RateLimiter } from '../rate-limit/index.js';
import type { ClientIpResolver } from '../client-address/index.js';
import type { Authenticator, AuthFailureReason, AuthResult } from './create-authenticator.js';
import { hasScope, type ApiKeyScope, type Principal } from './principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set on every route under a protected prefix. */
    principal?: Principal;
  }
}

/**
 * A URL prefix and the scope needed for it, e.g. `{ prefix: '/twirp/', scope: 'chat' }`; with a list,
 * any one of the scopes admits the caller (`{ prefix: '/metrics', scope: ['metrics', 'admin'] }`).
 */
export interface ProtectedPrefix {
  readonly prefix: string;
  readonly scope: ApiKeyScope | readonly ApiKeyScope[];
}

/** Options for {@link authPlugin}. */
export interface AuthPluginOptions {
  authenticator: Authenticator;
  /** First match wins: list more specific prefixes first. Paths outside every prefix are public. */
  protect: readonly ProtectedPrefix[];
  clientIp: ClientIpResolver;
  metrics?: HostMetrics;
  /**
   * Failed attempts are charged to the client address in this limiter (an `auth-failures:ip:<address>`
   * bucket, apart from its request budget). Once that budget is spent, the address's requests are
   * refused with 429 before any key-store lookup — guessing keys costs the guesser, not the key store —
   * except those with a key the host has verified recently, which are still served.
   */
  failureLimiter?: RateLimiter;
}

const FAILURE_MESSAGE: Record<AuthFailureReason, string> = {
  missing: 'missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
  invalid: 'invalid API key',
  revoked: 'API key has been revoked',
};

/** Bearer token or X-API-Key; a request carrying two different keys is refused as invalid. */
export function extractApiKey(headers: FastifyRequest['headers']): { key?: string; isConflicting: boolean } {
  const authorization = headers.authorization;
  const bearer = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  const headerValue = headers['x-api-key'];
  const apiKeyHeader = typeof headerValue === 'string' && headerValue.trim() !== '' ? headerValue.trim() : undefined;
  if (bearer !== undefined && apiKeyHeader !== undefined && bearer !== apiKeyHeader) return { isConflicting: true };
  const key = bearer ?? apiKeyHeader;
  return key === undefined ? { isConflicting: false } : { key, isConflicting: false };
}

function sendError(reply: FastifyReply, error: HostError): FastifyReply {
  const wire = toTwirpError(error);
  return reply.code(wire.httpStatus).headers(wire.headers).type('application/json').send(wire.toJSON());
}

function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/**
 * Authenticates requests under the protected prefixes and attaches `request.principal`; unauthenticated
 * → Twirp `unauthenticated` (401), missing scope → `permission_denied` (403). The request logger gains
 * the tenant and key id; the active span gains `acai.tenant.id`.
 */
const authPluginCallback: FastifyPluginCallback<AuthPluginOptions> = (app, options, done) => {
  const { authenticator, protect, clientIp, metrics, failureLimiter } = options;
  app.decorateRequest('principal', undefined);

  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    const rule = protect.find((candidate) => path.startsWith(candidate.prefix));
    if (rule === undefined) return;

    const { key, isConflicting } = extractApiKey(request.headers);
    const address = clientIp(request);
    const credentials = { ...(key === undefined ? {} : { apiKey: key }), clientIp: address };
    const failureKey = `auth-failures:ip:${address}`;
    let result: AuthResult | undefined = isConflicting ? { ok: false, reason: 'invalid' } : authenticator.cachedResult(credentials);
    // Only a verified key skips the check: a request that fails or needs a store lookup pays first.
    if (result?.ok !== true && failureLimiter) {
      const budget = await failureLimiter.consume(failureKey, { mode: 'peek' });
      if (!budget.allowed && !budget.isDegraded) {
        metrics?.rateLimitRejections.inc({ limit: 'auth_failures' });
        return sendError(reply, new HostError('HOST_RATE_LIMITED', `too many failed authentication attempts, retry in ${budget.retryAfterSeconds} s`, { meta: { retry_after_seconds: String(budget.retryAfterSeconds) } }));
      }
    }
    try {
      result ??= await authenticator.authenticate(credentials);
    } catch (error) {
      request.log.warn({ err: error }, 'API key lookup failed');
      return sendError(reply, HostError.isInstance(error) ? error : new HostError('HOST_INTERNAL', 'authentication failed', { cause: error }));
    }
    if (!result.ok) {
      metrics?.authFailures.inc({ reason: result.reason });
      if (failureLimiter) await failureLimiter.consume(failureKey, { mode: 'record' });
      request.log.info({ reason: result.reason, route: rule.prefix }, 'request not authenticated');
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, new HostError('HOST_UNAUTHENTICATED', FAILURE_MESSAGE[result.reason]));
    }
    const { principal } = result;
    request.principal = principal;
    request.log = request.log.child({ tenant: principal.tenantId, ...(principal.keyId ? { key_id: principal.keyId } : {}) });
    trace.getActiveSpan()?.setAttribute('acai.tenant.id', principal.tenantId);
    const accepted: readonly ApiKeyScope[] = typeof rule.scope === 'string' ? [rule.scope] : rule.scope;
    if (!accepted.some((scope) => hasScope(principal, scope))) {
      metrics?.authFailures.inc({ reason: 'forbidden' });
      const needed = accepted.map((scope) => `"${scope}"`).join(' or ');
      return sendError(reply, new HostError('HOST_PERMISSION_DENIED', `this API key lacks the ${needed} scope`));
    }
    return undefined;
  });
  done();
};

/** Fastify plugin: API-key authentication and scope checks for the configured route prefixes. */
export const authPlugin = fastifyPlugin(authPluginCallback, { name: 'acai-auth', fastify: '5.x' });
