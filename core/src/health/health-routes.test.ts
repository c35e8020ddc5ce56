import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { modelConfiguredCheck, pingCheck, stateCheck, type HealthCheck } from './health-check.js';
import { healthRoutes, LIVENESS_PATHS, READINESS_PATHS } from './health-routes.js';
import type { ServiceIndex } from './service-index.js';

async function readyz(checks: HealthCheck[], options: { timeoutMs?: number; isShuttingDown?: () => boolean } = {}) {
  const app = Fastify();
  healthRoutes(app, { checks, ...options });
  const response = await app.inject({ method: 'GET', url: '/readyz' });
  await app.close();
  return response;
}

const store = (ping: () => Promise<unknown>) => pingCheck('store', ping, { critical: true });
const redis = (ping: () => Promise<unknown>) => pingCheck('redis', ping, { critical: false });

describe('healthRoutes', () => {
  it('answers liveness without touching dependencies', async () => {
    const app = Fastify();
    healthRoutes(app, { checks: [store(() => Promise.reject(new Error('down')))] });
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    await app.close();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('reports ready with every check’s state and latency', async () => {
    const response = await readyz([store(async () => {}), redis(async () => {}), modelConfiguredCheck(true)]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ready',
      checks: [
        { name: 'store', state: 'ok', latency_ms: expect.any(Number) },
        { name: 'redis', state: 'ok', latency_ms: expect.any(Number) },
        { name: 'model', state: 'ok', latency_ms: expect.any(Number) },
      ],
    });
  });

  it('is degraded (200) when a non-critical dependency fails or a check is degraded', async () => {
    const response = await readyz([store(async () => {}), redis(() => Promise.reject(new Error('connect ECONNREFUSED redis://:hunter2@cache:6379')))]);
    expect(response.statusCode).toBe(200);
    expect(response.json().status).toBe('degraded');
    expect(response.json().checks[1]).toMatchObject({ name: 'redis', state: 'failed', message: 'connect ECONNREFUSED redis://:***@cache:6379' });
    expect((await readyz([store(async () => {}), modelConfiguredCheck(false)])).json()).toMatchObject({ status: 'degraded' });
  });

  it('is not ready (503) when a critical dependency fails', async () => {
    const response = await readyz([store(() => Promise.reject(new Error('no primary'))), redis(async () => {})]);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'not_ready', checks: [{ name: 'store', state: 'failed', message: 'no primary' }, { name: 'redis', state: 'ok' }] });
  });

  it('fails a check that does not answer within the timeout and aborts it', async () => {
    let aborted = false;
    const hanging: HealthCheck = {
      name: 'store',
      critical: true,
      check: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    };
    const response = await readyz([hanging, stateCheck('plugins', true, () => ({ state: 'ok' }))], { timeoutMs: 20 });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks[0]).toMatchObject({ state: 'failed', message: 'no answer within 20 ms' });
    expect(aborted).toBe(true);
  });

  it('drains while shutting down', async () => {
    const response = await readyz([store(async () => {})], { isShuttingDown: () => true });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'not_ready' });
  });

  it('serves the same answers at the old service\'s /health and /ready as at /healthz and /readyz', async () => {
    const app = Fastify();
    let isStoreUp = true;
    healthRoutes(app, { checks: [store(async () => (isStoreUp ? undefined : Promise.reject(new Error('no primary'))))] });
    const answer = async (url: string) => {
      const response = await app.inject({ method: 'GET', url });
      const body = response.json() as { checks?: { latency_ms: number }[] };
      for (const check of body.checks ?? []) check.latency_ms = 0;
      return { status: response.statusCode, cache: response.headers['cache-control'], body };
    };
    expect(await answer('/health')).toEqual(await answer('/healthz'));
    expect(await answer('/ready')).toEqual(await answer('/readyz'));
    isStoreUp = false;
    const notReady = await answer('/ready');
    expect(notReady).toEqual(await answer('/readyz'));
    expect(notReady.status).toBe(503);
    // Only GET and HEAD; a query string changes nothing.
    expect((await app.inject({ method: 'POST', url: '/health' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/health?verbose=1&x=%00' })).json()).toEqual({ status: 'ok' });
    await app.close();
    expect(LIVENESS_PATHS).toEqual(['/healthz', '/health']);
    expect(READINESS_PATHS).toEqual(['/readyz', '/ready']);
  });
});

describe('GET / (the service index)', () => {
  const index: ServiceIndex = {
    service: 'acai',
    version: '9.8.7',
    // A path named like a leading field cannot replace it.
    paths: { console: '/console', api: { chat: '/twirp/acai.chat.ChatService/' }, status: 'hijacked' },
  };

  async function root(checks: HealthCheck[], headers: Record<string, string> = {}, options: { isShuttingDown?: () => boolean } = {}) {
    const app = Fastify();
    healthRoutes(app, { checks, index, ...options });
    const response = await app.inject({ method: 'GET', url: '/', headers });
    await app.close();
    return response;
  }

  it('answers indented JSON a program can parse: service, version and status first, then the paths', async () => {
    const response = await root([store(async () => {})]);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toBe(
      `${JSON.stringify({ service: 'acai', version: '9.8.7', status: 'ready', console: '/console', api: { chat: '/twirp/acai.chat.ChatService/' } }, null, 2)}\n`,
    );
    expect(Object.keys(response.json())).toEqual(['service', 'version', 'status', 'console', 'api']);
  });

  it('answers the same JSON whatever the client accepts (the old bot sends */*, browsers text/html)', async () => {
    const bodies = new Set<string>();
    for (const accept of ['*/*', 'text/html,application/xhtml+xml', 'text/plain', 'application/json', 'x'.repeat(8_000), '\u00ff;q=abc']) {
      const response = await root([store(async () => {})], { accept });
      expect(response.statusCode, accept.slice(0, 20)).toBe(200);
      bodies.add(response.body);
    }
    expect(bodies.size).toBe(1);
  });

  it('carries the readiness verdict: degraded is 200, not ready (or shutting down) is 503 without the checks\' detail', async () => {
    const degraded = await root([store(async () => {}), redis(() => Promise.reject(new Error('redis://:hunter2@cache down')))]);
    expect([degraded.statusCode, degraded.json().status]).toEqual([200, 'degraded']);
    const notReady = await root([store(() => Promise.reject(new Error('mongodb://admin:hunter2@db no primary')))]);
    expect([notReady.statusCode, notReady.json().status]).toEqual([503, 'not_ready']);
    expect(notReady.body).not.toContain('hunter2');
    expect(notReady.json()).not.toHaveProperty('checks');
    const draining = await root([store(async () => {})], {}, { isShuttingDown: () => true });
    expect([draining.statusCode, draining.json().status]).toEqual([503, 'not_ready']);
  });

  it('is not served without an index', async () => {
    const app = Fastify();
    healthRoutes(app, { checks: [] });
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    await app.close();
  });
});
