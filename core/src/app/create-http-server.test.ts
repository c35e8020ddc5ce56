import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadHostConfig } from '../config/env-config.js';
import { createHostLogger } from './create-host-logger.js';
import { createHttpServer } from './create-http-server.js';

let server: FastifyInstance | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The host's Fastify instance over a capturing logger, with a route that answers and one that fails. */
async function serverWithLines(): Promise<{ server: FastifyInstance; lines: () => Array<Record<string, unknown>> }> {
  const captured: string[] = [];
  const config = loadHostConfig({ LOG_LEVEL: 'info', OPENAI_API_KEY: 'sk-request-log-key-42' }, '/srv/acai');
  const { logger } = createHostLogger(config, { write: (line: string) => void captured.push(line) });
  const app = createHttpServer(config, logger);
  app.get('/ok', async () => ({ ok: true }));
  app.get('/fails', async () => {
    throw new Error('handler broke');
  });
  await app.ready();
  server = app;
  return { server: app, lines: () => captured.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createHttpServer request logging', () => {
  it('writes one line per request, at its end, with the request, the status and the response time', async () => {
    const { server, lines } = await serverWithLines();
    const response = await server.inject({ method: 'GET', url: '/ok?x=1', headers: { authorization: 'Bearer sk-request-log-key-42' } });
    expect(response.statusCode).toBe(200);
    const requestLines = lines().filter((line) => line['reqId'] !== undefined);
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ msg: 'request completed', req: { method: 'GET', url: '/ok?x=1' }, res: { statusCode: 200 } });
    expect(requestLines[0]!['responseTime']).toEqual(expect.any(Number));
    expect(JSON.stringify(lines())).not.toContain('sk-request-log-key-42');
  });

  it('still logs a failing handler and 404s, without an "incoming request" line', async () => {
    const { server, lines } = await serverWithLines();
    expect((await server.inject({ method: 'GET', url: '/fails' })).statusCode).toBe(500);
    expect((await server.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(404);
    const messages = lines().map((line) => line['msg']);
    expect(messages).not.toContain('incoming request');
    // The failure itself is logged (by the host's error handler) at error level.
    expect(lines().some((line) => line['level'] === 'error' && JSON.stringify(line).includes('handler broke'))).toBe(true);
    expect(lines().filter((line) => line['msg'] === 'request completed').map((line) => (line['res'] as { statusCode: number }).statusCode)).toEqual([500, 404]);
  });
});

describe('createHttpServer unknown routes', () => {
  it('answers a path no route serves with the host error shape, never Fastify’s body', async () => {
    const { server } = await serverWithLines();
    const response = await server.inject({ method: 'GET', url: '/nowhere?token=secret' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json()).toEqual({ code: 'bad_route', msg: 'no route for GET /nowhere', meta: { twirp_invalid_route: 'GET /nowhere' } });
    expect(response.body).not.toContain('secret');
  });

  it('cuts a hostile, very long path short instead of echoing it whole', async () => {
    const { server } = await serverWithLines();
    const response = await server.inject({ method: 'DELETE', url: `/${'a'.repeat(10_000)}` });
    expect(response.statusCode).toBe(404);
    const body = response.json() as { code: string; msg: string };
    expect(body.code).toBe('bad_route');
    expect(body.msg.length).toBeLessThan(400);
  });
});
