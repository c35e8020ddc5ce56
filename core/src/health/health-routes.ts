import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { runHealthChecks, type HealthCheck, type ReadinessReport } from './health-check.js';
import { registerReadinessMetric } from './readiness-metric.js';
import { serviceIndexDocument, type ServiceIndex } from './service-index.js';

/** Options for {@link healthRoutes}. */
export interface HealthRoutesOptions {
  checks: readonly HealthCheck[];
  /** Per-check timeout; default 1 s. */
  timeoutMs?: number;
  /** When true, /readyz answers not_ready so load balancers drain this replica. */
  isShuttingDown?: () => boolean;
  /** Also export the readiness as `acai_readiness_status{status}` on this registry (evaluated at scrape time). */
  registry?: Registry;
  /** Also answer `GET /` with this service's index and its readiness (see {@link serviceIndexDocument}). */
  index?: ServiceIndex;
}

/**
 * The liveness paths: `/healthz`, and `/health`, the old Go service's probe path, so probes and scripts
 * written for it keep working.
 */
export const LIVENESS_PATHS = ['/healthz', '/health'] as const;
/** The readiness paths: `/readyz`, and the old service's `/ready`. */
export const READINESS_PATHS = ['/readyz', '/ready'] as const;

const SHUTTING_DOWN: ReadinessReport = Object.freeze({
  status: 'not_ready',
  checks: Object.freeze([Object.freeze({ name: 'lifecycle', state: 'failed', latency_ms: 0, message: 'shutting down' })]),
});

/**
 * `GET /healthz` (and `/health`) — liveness: the event loop answers (200 `{"status":"ok"}`), no dependency is touched.
 * `GET /readyz` (and `/ready`) — readiness: every check concurrently with its state, latency and message;
 * 503 only when not ready (a critical check failed or the host is shutting down); degraded is still 200.
 * `GET /` (with `index`) — what this service is, where its parts are, and the same readiness verdict.
 * All are public: register outside the auth prefixes and exempt the probes from rate limits.
 */
export function healthRoutes<Logger extends FastifyBaseLogger>(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>,
  options: HealthRoutesOptions,
): void {
  const timeoutMs = options.timeoutMs ?? 1000;
  if (options.registry) {
    registerReadinessMetric(options.registry, { checks: options.checks, timeoutMs, isShuttingDown: options.isShuttingDown });
  }
  const readiness = (): Promise<ReadinessReport> =>
    options.isShuttingDown?.() ? Promise.resolve(SHUTTING_DOWN) : runHealthChecks(options.checks, timeoutMs);

  for (const path of LIVENESS_PATHS) {
    app.get(path, async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  }
  for (const path of READINESS_PATHS) {
    app.get(path, async (_request, reply) => {
      const report = await readiness();
      return reply.header('cache-control', 'no-store').code(httpStatusOf(report)).send(report);
    });
  }
  const index = options.index;
  if (index !== undefined) {
    app.get('/', async (_request, reply) => {
      const report = await readiness();
      // Indented, so the same answer reads well in a browser or a terminal and parses in a program.
      const body = `${JSON.stringify(serviceIndexDocument(index, report.status), null, 2)}\n`;
      return reply.header('cache-control', 'no-store').code(httpStatusOf(report)).type('application/json; charset=utf-8').send(body);
    });
  }
}

/** The status code load balancers read: 503 only when not ready. */
function httpStatusOf(report: ReadinessReport): number {
  return report.status === 'not_ready' ? 503 : 200;
}
