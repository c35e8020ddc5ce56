import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { modelConfiguredCheck, pingCheck, stateCheck, type HealthCheck } from './health-check.js';
import { healthRoutes } from './health-routes.js';

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
});
