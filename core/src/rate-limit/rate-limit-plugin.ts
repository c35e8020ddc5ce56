import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { ClientIpResolver } from '../client-address/index.js';
import { HostError, toTwirpError } from '../errors/index.js';
import type { HostMetrics } from '../observability/index.js';
import type { RateLimitDecision, RateLimiter } from './rate-limiter.js';

/** Options for {@link rateLimitPlugin}. */
export interface RateLimitPluginOptions {
  /** Usually `failOpen(new RedisRateLimiter(...))` or a MemoryRateLimiter. */
  limiter: RateLimiter;
  clientIp: ClientIpResolver;
  /** Paths never limited (probes and scrapes). Default {@link DEFAULT_EXEMPT_PATHS}. */
  exemptPaths?: readonly string[];
  metrics?: HostMetrics;
}

/** Probes (`/healthz`, `/readyz` and the old service's `/health`, `/ready`) and scrapes. */
export const DEFAULT_EXEMPT_PATHS = ['/healthz', '/readyz', '/health', '/ready', '/metrics'] as const;

/** The limiter key: the API key's id for key holders, otherwise the client IP. */
export function rateLimitKey(request: FastifyRequest, clientIp: ClientIpResolver): string {
  const keyId = request.principal?.keyId;
  return keyId === undefined ? `ip:${clientIp(request)}` : `key:${keyId}`;
}

function setRateLimitHeaders(reply: FastifyReply, decision: RateLimitDecision): void {
  reply.header('ratelimit-limit', String(decision.limit));
  reply.header('ratelimit-remaining', String(decision.remaining));
  reply.header('ratelimit-reset', String(decision.resetSeconds));
}

function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/**
 * Per-API-key (per-IP without a key) request limit. Register after the auth plugin so `request.principal`
 * is known. Every limited response carries `RateLimit-Limit/Remaining/Reset`; refusals are Twirp
 * `resource_exhausted` (429) with `Retry-After`. A failing backend is reported by the limiter (failOpen).
 */
const rateLimitPluginCallback: FastifyPluginCallback<RateLimitPluginOptions> = (app, options, done) => {
  const exempt = new Set(options.exemptPaths ?? DEFAULT_EXEMPT_PATHS);
  const { limiter, clientIp, metrics } = options;

  app.addHook('onRequest', async (request, reply) => {
    if (exempt.has(pathOf(request.url))) return undefined;
    const decision = await limiter.consume(rateLimitKey(request, clientIp));
    if (decision.isDegraded) return undefined;
    setRateLimitHeaders(reply, decision);
    if (decision.allowed) return undefined;
    metrics?.rateLimitRejections.inc({ limit: 'request' });
    const wire = toTwirpError(
      new HostError('HOST_RATE_LIMITED', `rate limit exceeded, retry in ${decision.retryAfterSeconds} s`, {
        meta: { retry_after_seconds: String(decision.retryAfterSeconds) },
      }),
    );
    return reply.code(wire.httpStatus).headers(wire.headers).type('application/json').send(wire.toJSON());
  });
  done();
};

/** Fastify plugin: request rate limiting with RateLimit-* headers and Twirp 429s. */
export const rateLimitPlugin = fastifyPlugin(rateLimitPluginCallback, { name: 'acai-rate-limit', fastify: '5.x' });
