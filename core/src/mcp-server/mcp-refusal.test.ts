import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadHostConfig } from '../config/env-config.js';
import { createMcpMetrics } from './mcp-metrics.js';
import { deadlineRefusal, METHOD_NOT_ALLOWED, sendRefusal, sessionRefusal } from './mcp-refusal.js';

const SETTINGS = { ...loadHostConfig({}, '/srv/acai').mcp, maxSessions: 50, maxSessionsPerCaller: 4, sessionIdleMinutes: 30 };

describe('sendRefusal', () => {
  it('answers a JSON-RPC error with no id, the status and headers, and counts the reason', async () => {
    const registry = new Registry();
    const metrics = createMcpMetrics(registry);
    const app = Fastify();
    app.get('/mcp', async (_request, reply) => sendRefusal(reply, METHOD_NOT_ALLOWED, metrics));
    const response = await app.inject({ method: 'GET', url: '/mcp' });
    expect(response.statusCode).toBe(405);
    expect(response.headers['allow']).toBe('GET, POST, DELETE');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: use POST, GET or DELETE' }, id: null });
    const counted = await metrics.refusals.get();
    expect(counted.values.find((value) => value.labels.reason === 'method_not_allowed')?.value).toBe(1);
    await app.close();
  });
});

describe('sessionRefusal', () => {
  it('tells a full host to retry later, and a caller at its limit how to free a session', () => {
    expect(sessionRefusal('sessions_full', SETTINGS)).toMatchObject({ status: 503, headers: { 'retry-after': '60' }, message: expect.stringContaining('maximum of 50 MCP sessions') });
    expect(sessionRefusal('caller_sessions_full', SETTINGS)).toMatchObject({
      status: 429,
      headers: { 'retry-after': '60' },
      message: expect.stringContaining('already has 4 MCP sessions open; end one with DELETE /mcp or let it expire (30 min idle)'),
    });
    expect(sessionRefusal('shutting_down', SETTINGS)).toEqual({ status: 503, code: -32000, message: 'Service Unavailable: the host is shutting down', reason: 'shutting_down' });
  });
});

describe('deadlineRefusal', () => {
  it('is a 504 request-timeout error naming the deadline', () => {
    expect(deadlineRefusal(30_000)).toMatchObject({ status: 504, code: -32001, reason: 'deadline_exceeded', message: expect.stringContaining('within 30000 ms') });
  });
});
