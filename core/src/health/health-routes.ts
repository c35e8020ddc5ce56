import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { runHealthChecks, type HealthCheck } from './health-check.js';
import { registerReadinessMetric } from './readiness-metric.js';

/** Options for {@link healthRoutes}. */
export interface HealthRoutesOptions {
  checks: readonly HealthCheck[];
  /** Per-check timeout; default 1 s. */
  timeoutMs?: number;
  /** When true, /readyz answers not_ready so load balancers drain this replica. */
  isShuttingDown?: () => boolean;
  /** Also export the readiness as `acai_readiness_status{status}` on this registry (evaluated at scrape time). */
  registry?: Registry;
}

/**
 * `GET /healthz` — liveness: the event loop answers (200 `{"status":"ok"}`), no dependency is touched.
 * `GET /readyz` — readiness: every check concurrently with its state, latency and message; 503 only
 * when not ready (a critical check failed or the host is shutting down); degraded is still 200.
 * Both are public: register outside the auth prefixes and exempt from rate limits.
 */
export function healthRoutes<Logger extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>,
  options: HealthRoutesOptions,
): void {
  const timeoutMs = options.timeoutMs ?? 1000;
  if (options.registry) {
    registerReadinessMetric(options.registry, { checks: options.checks, timeoutMs, isShuttingDown: options.isShuttingDown });
  }
  app.get('/healthz', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    if (options.isShuttingDown?.()) {
      return reply.code(503).send({ status: 'not_ready', checks: [{ name: 'lifecycle', state: 'failed', latency_ms: 0, message: 'shutting down' }] });
    }
    const report = await runHealthChecks(options.checks, timeoutMs);
    return reply.code(report.status === 'not_ready' ? 503 : 200).send(report);
  });
}
