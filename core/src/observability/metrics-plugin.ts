import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { FastifyPluginCallback } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { HostMetrics } from './create-metrics.js';

/** Options for {@link metricsPlugin}. */
export interface MetricsPluginOptions {
  metrics: HostMetrics;
  /**
   * Serve the exposition at this path on the app (protect it with the auth plugin's `metrics` scope).
   * `false` when it is served on a separate port with {@link startMetricsServer}. Default `/metrics`.
   */
  exposePath?: string | false;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The method label: the known methods as they are, anything else `OTHER` (a bounded series count). */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'OTHER';
}

/** Label value for unmatched routes, so scanners probing random URLs cannot grow the series count. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Fastify plugin recording HTTP RED metrics by route PATTERN (`/twirp/:service/:method`, never raw
 * URLs; 404s are `route="unmatched"`) and, unless disabled, serving `GET /metrics`.
 */
const metricsPluginCallback: FastifyPluginCallback<MetricsPluginOptions> = (app, options, done) => {
  const { metrics } = options;
  app.addHook('onResponse', (request, reply, next) => {
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    const method = methodLabel(request.method);
    metrics.httpRequests.inc({ route, method, status: String(reply.statusCode) });
    metrics.httpRequestDuration.observe({ route, method }, reply.elapsedTime / 1000);
    next();
  });

  const exposePath = options.exposePath ?? '/metrics';
  if (exposePath !== false) {
    app.get(exposePath, async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    });
  }
  done();
};

/** Fastify plugin: RED metrics per route pattern plus the `/metrics` exposition route. */
export const metricsPlugin = fastifyPlugin(metricsPluginCallback, { name: 'acai-metrics', fastify: '5.x' });

/** A metrics-only HTTP server (METRICS_PORT): `/metrics` without auth, for a private network. */
export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` on its own port so the scrape stays off the public listener. */
export async function startMetricsServer(metrics: HostMetrics, port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
