import { spawnSync } from 'node:child_process';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './create-metrics.js';
import { metricsPlugin, startMetricsServer } from './metrics-plugin.js';

function promtoolCheck(exposition: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('metricsPlugin', () => {
  it('records RED metrics by route pattern, never by raw URL', async () => {
    const metrics = createMetrics();
    const app = Fastify();
    await app.register(metricsPlugin, { metrics });
    app.get('/conversations/:id', async () => ({ ok: true }));
    app.post('/twirp/acai.chat.v1.ChatService/:method', async () => ({ ok: true }));

    await app.inject({ method: 'GET', url: '/conversations/abc123' });
    await app.inject({ method: 'GET', url: '/conversations/def456' });
    await app.inject({ method: 'POST', url: '/twirp/acai.chat.v1.ChatService/SendMessage', payload: {} });
    await app.inject({ method: 'GET', url: '/wp-admin/probe-a1b2c3' });
    await app.inject({ method: 'GET', url: '/.env?x=1' });

    const scrape = await app.inject({ method: 'GET', url: '/metrics' });
    await app.close();
    expect(scrape.statusCode).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain/);
    const text = scrape.body;
    expect(text).toContain('acai_http_requests_total{route="/conversations/:id",method="GET",status="200"} 2');
    expect(text).toContain('acai_http_requests_total{route="/twirp/acai.chat.v1.ChatService/:method",method="POST",status="200"} 1');
    expect(text).toContain('acai_http_requests_total{route="unmatched",method="GET",status="404"} 2');
    expect(text).toMatch(/acai_http_request_duration_seconds_bucket\{le="[^"]+",route="\/conversations\/:id",method="GET"\}/);
    for (const raw of ['abc123', 'probe-a1b2c3', '.env']) expect(text).not.toContain(raw);
  });

  it('produces an exposition that passes promtool check metrics', async () => {
    const metrics = createMetrics();
    metrics.modelRequests.inc({ model: 'gpt-4o-mini', outcome: 'ok' });
    metrics.modelRequestDuration.observe({ model: 'gpt-4o-mini' }, 1.2);
    metrics.modelTokens.inc({ model: 'gpt-4o-mini', type: 'input' }, 120);
    metrics.cacheRequests.inc({ cache: 'title', result: 'hit' });
    metrics.rateLimitRejections.inc({ limit: 'request' });
    metrics.authFailures.inc({ reason: 'missing' });
    metrics.unhandledRejections.inc();
    metrics.httpRequests.inc({ route: '/healthz', method: 'GET', status: '200' });
    const exposition = await metrics.registry.metrics();
    expect(exposition).toContain('process_cpu_seconds_total');
    const check = promtoolCheck(exposition);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });

  it('serves the exposition on a separate port when asked', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.unhandledRejections.inc();
    const server = await startMetricsServer(metrics, 0);
    try {
      const scrape = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('acai_unhandled_rejections_total 1');
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
