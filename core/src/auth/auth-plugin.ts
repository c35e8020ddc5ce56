import { trace } from '@opentelemetry/api';
import type { FastifyBaseLogger, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { HostError, toTwirpError } from '../errors/index.js';
import type { HostMetrics } from '../observability/index.js';
import type { RateLimiter } from '../rate-limit/index.js';
import type { ClientIpResolver } from '../client-address/index.js';
import { AuthFailureThrottle, type FailureThrottle } from './auth-failure-throttle.js';
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
   * Failed attempts are counted in this limiter, apart from its request budgets, per client address and
   * per presented key prefix ({@link AuthFailureThrottle}). Once either budget is spent, failures are
   * answered 429 instead of 401, and an address's requests without a usable key are refused at once.
   * A request with a valid key is always checked and served: others' failures never lock it out.
   */
  failureLimiter?: RateLimiter;
}

const FAILURE_MESSAGE: Record<AuthFailureReason, string> = {
  missing: 'missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
  invalid: 'invalid API key',
  revoked: 'API key has been revoked',
};

/** The API key a request carries, if any, and whether it carried two different ones. */
export interface PresentedKey {
  readonly key?: string;
  readonly isConflicting: boolean;
}

/** Bearer token or X-API-Key; a request carrying two different keys is refused as invalid. */
export function extractApiKey(headers: FastifyRequest['headers']): PresentedKey {
  const authorization = headers.authorization;
  const bearer = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  const headerValue = headers['x-api-key'];
  const apiKeyHeader = typeof headerValue === 'string' && headerValue.trim() !== '' ? headerValue.trim() : undefined;
  if (bearer !== undefined && apiKeyHeader !== undefined && bearer !== apiKeyHeader) return { isConflicting: true };
  const key = bearer ?? apiKeyHeader;
  return key === undefined ? { isConflicting: false } : { key, isConflicting: false };
}

/** The key a request presented (extractApiKey), the credentials the authenticator checks. */
function credentialsOf(presented: PresentedKey, clientIp: string): { apiKey?: string; clientIp: string } {
  return presented.key === undefined ? { clientIp } : { apiKey: presented.key, clientIp };
}

/**
 * What the authenticator already knows of this caller, without a lookup: undefined when nothing is
 * cached; two different keys are invalid at once.
 */
export function cachedAuthResult(authenticator: Authenticator, presented: PresentedKey, clientIp: string): AuthResult | undefined {
  return presented.isConflicting ? { ok: false, reason: 'invalid' } : authenticator.cachedResult(credentialsOf(presented, clientIp));
}

function sendError(reply: FastifyReply, error: HostError): FastifyReply {
  const wire = toTwirpError(error);
  return reply.code(wire.httpStatus).headers(wire.headers).type('application/json').send(wire.toJSON());
}

const THROTTLED_BY: Record<FailureThrottle['by'], string> = {
  address: 'from this address',
  key_prefix: 'with this API key',
};

function sendThrottled(reply: FastifyReply, spent: FailureThrottle, metrics: HostMetrics | undefined): FastifyReply {
  metrics?.rateLimitRejections.inc({ limit: 'auth_failures' });
  const seconds = String(spent.retryAfterSeconds);
  return sendError(
    reply,
    new HostError('HOST_RATE_LIMITED', `too many failed authentication attempts ${THROTTLED_BY[spent.by]}, retry in ${seconds} s`, {
      meta: { retry_after_seconds: seconds, throttled_by: spent.by },
    }),
  );
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
  const throttle = failureLimiter ? new AuthFailureThrottle(failureLimiter) : undefined;
  app.decorateRequest('principal', undefined);

  /** The authenticated caller is let in: principal, log fields, span attribute; then the route's scope check. */
  const admit = (request: FastifyRequest, reply: FastifyReply, rule: ProtectedPrefix, principal: Principal): FastifyReply | undefined => {
    request.principal = principal;
    const bindings = { tenant: principal.tenantId, ...(principal.keyId ? { key_id: principal.keyId } : {}) };
    // The request's logger is already a child made for this request alone: add the fields to it
    // rather than making another child per request. The server's own logger is never changed.
    const log = request.log as FastifyBaseLogger & { setBindings?: (bindings: Record<string, unknown>) => void };
    if (log !== app.log && typeof log.setBindings === 'function') log.setBindings(bindings);
    else request.log = request.log.child(bindings);
    trace.getActiveSpan()?.setAttribute('acai.tenant.id', principal.tenantId);
    const accepted: readonly ApiKeyScope[] = typeof rule.scope === 'string' ? [rule.scope] : rule.scope;
    if (!accepted.some((scope) => hasScope(principal, scope))) {
      metrics?.authFailures.inc({ reason: 'forbidden' });
      const needed = accepted.map((scope) => `"${scope}"`).join(' or ');
      return sendError(reply, new HostError('HOST_PERMISSION_DENIED', `this API key lacks the ${needed} scope`));
    }
    return undefined;
  };

  /** Everything but a cached success: the failure throttle, the key lookup, refusals. */
  const authenticate = async (
    request: FastifyRequest,
    reply: FastifyReply,
    rule: ProtectedPrefix,
    presented: PresentedKey,
    address: string,
    cached: AuthResult | undefined,
  ): Promise<unknown> => {
    const { key, isConflicting } = presented;
    const credentials = credentialsOf(presented, address);
    let result = cached;
    // Nothing to check (no key, or two): a throttled address is refused before anything else.
    if ((key === undefined || isConflicting) && result?.ok !== true && throttle) {
      const spent = await throttle.throttledWithoutKey(address);
      if (spent) return sendThrottled(reply, spent, metrics);
    }
    try {
      result ??= await authenticator.authenticate(credentials);
    } catch (error) {
      request.log.warn({ err: error }, 'API key lookup failed');
      return sendError(reply, HostError.isInstance(error) ? error : new HostError('HOST_INTERNAL', 'authentication failed', { cause: error }));
    }
    if (!result.ok) {
      metrics?.authFailures.inc({ reason: result.reason });
      const spent = throttle ? await throttle.recordFailure(address, isConflicting ? undefined : key) : undefined;
      request.log.info({ reason: result.reason, route: rule.prefix, ...(spent ? { throttled_by: spent.by } : {}) }, 'request not authenticated');
      if (spent) return sendThrottled(reply, spent, metrics);
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, new HostError('HOST_UNAUTHENTICATED', FAILURE_MESSAGE[result.reason]));
    }
    return admit(request, reply, rule, result.principal);
  };

  // A callback hook, not an async one: a key whose answer is cached (every request after a key's first)
  // is admitted without a promise or a microtask hop; only the rest takes the async path.
  app.addHook('onRequest', (request, reply, next) => {
    const path = pathOf(request.url);
    const rule = protect.find((candidate) => path.startsWith(candidate.prefix));
    if (rule === undefined) {
      next();
      return;
    }
    const presented = extractApiKey(request.headers);
    const address = clientIp(request);
    const cached = cachedAuthResult(authenticator, presented, address);
    if (cached?.ok === true) {
      admit(request, reply, rule, cached.principal);
      next();
      return;
    }
    // As Fastify runs an async hook: go on once it settles (a refusal has sent the reply by then).
    authenticate(request, reply, rule, presented, address, cached).then(() => next(), next);
  });
  done();
};

/** Fastify plugin: API-key authentication and scope checks for the configured route prefixes. */
export const authPlugin = fastifyPlugin(authPluginCallback, { name: 'acai-auth', fastify: '5.x' });
