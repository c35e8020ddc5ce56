import type { FastifyInstance } from 'fastify';
import { registerAdmission } from '../admission/index.js';
import { authPlugin, cachedCallerCheck } from '../auth/index.js';
import type { HostConfig } from '../config/env-config.js';
import { methodLabel, metricsPlugin, tracingPlugin, type HostMetrics } from '../observability/index.js';
import { rateLimitPlugin } from '../rate-limit/index.js';
import { PROTECTED_PREFIXES, rateLimitExemptPaths, type AccessControl } from './access-control.js';

/**
 * The hooks every request passes, registered in the order they must run: the tracing span first (so
 * everything below nests under it), the request metrics, authentication (which sets `request.principal`),
 * then the rate limit, which keys its buckets by that principal, and last admission control for chat
 * turns (so unauthenticated and rate-limited requests take no room). A known caller's turn that the full
 * gate would refuse on arrival is answered before all of them, in front of Fastify (admission-front.ts).
 */
export async function registerRequestHooks(server: FastifyInstance, config: HostConfig, access: AccessControl, metrics: HostMetrics): Promise<void> {
  await server.register(tracingPlugin);
  // The main port always serves /metrics to keys with the metrics or admin scope (the web console's
  // metrics view reads it with the admin's key); METRICS_PORT adds an unauthenticated private port.
  await server.register(metricsPlugin, { metrics, exposePath: '/metrics' });
  const { authenticator, clientIp, requestLimiter } = access;
  await server.register(authPlugin, {
    authenticator,
    clientIp,
    metrics,
    ...(requestLimiter ? { failureLimiter: requestLimiter } : {}),
    protect: PROTECTED_PREFIXES,
  });
  if (requestLimiter) {
    await server.register(rateLimitPlugin, { limiter: requestLimiter, clientIp, metrics, exemptPaths: rateLimitExemptPaths(config) });
  }
  await registerAdmission(server, {
    settings: config.admission,
    registry: metrics.registry,
    isKnownCaller: cachedCallerCheck(authenticator, clientIp, 'chat'),
    // The route label of a chat turn is its path (one route per RPC), a bounded set.
    countRefusal: (path, method) => metrics.httpRequests.inc({ route: path, method: methodLabel(method), status: '503' }),
  });
}
