import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegisteredToolInfo } from '../plugin-host/index.js';
import { McpHttpSessions, type McpHttpSession } from './mcp-http-sessions.js';
import { createMcpMetrics, type McpMetrics } from './mcp-metrics.js';
import { McpToolCatalog } from './mcp-tool-catalog.js';

const IDLE_MS = 60_000;
const JSON_AND_EVENTS = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };

let now: number;
let metrics: McpMetrics;
let registry: Registry;
let tools: RegisteredToolInfo[];
let offered: unknown[];
let sessions: McpHttpSessions;

function registrySessions(limits: { maxSessions?: number; maxSessionsPerCaller?: number } = {}): McpHttpSessions {
  const catalog = new McpToolCatalog({ listModelTools: () => offered, listTools: () => tools }, { pollMs: 10 });
  return new McpHttpSessions({
    maxSessions: limits.maxSessions ?? 10,
    maxSessionsPerCaller: limits.maxSessionsPerCaller ?? 10,
    idleMs: IDLE_MS,
    catalog,
    createServer: () => new Server({ name: 'acai-test', version: '0.0.0' }, { capabilities: { tools: { listChanged: true } } }),
    metrics,
    logger: pino({ level: 'silent' }),
    now: () => now,
  });
}

function post(session: McpHttpSession, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { ...JSON_AND_EVENTS };
  if (session.transport.sessionId !== undefined) headers['mcp-session-id'] = session.id;
  return session.transport.handleRequest(new Request('http://acai.test/mcp', { method: 'POST', headers }), { parsedBody: body });
}

async function openInitialized(owner: string): Promise<McpHttpSession> {
  const session = await sessions.open(owner, { tenantId: 'acme' });
  if (typeof session === 'string') throw new Error(`refused: ${session}`);
  const response = await post(session, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
  expect(response.status).toBe(200);
  return session;
}

function openStream(session: McpHttpSession): Promise<Response> {
  return session.transport.handleRequest(new Request('http://acai.test/mcp', { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': session.id } }));
}

async function closedCount(reason: string): Promise<number> {
  const metric = await metrics.sessionsClosed.get();
  return metric.values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

beforeEach(() => {
  now = Date.parse('2026-03-01T10:00:00Z');
  registry = new Registry();
  metrics = createMcpMetrics(registry);
  tools = [];
  offered = [];
  sessions = registrySessions();
});

afterEach(async () => {
  await sessions.closeAll();
});

describe('McpHttpSessions', () => {
  it('bounds sessions in total and per caller, and frees a place when one closes', async () => {
    sessions = registrySessions({ maxSessions: 3, maxSessionsPerCaller: 2 });
    const first = await openInitialized('key:a');
    await openInitialized('key:a');
    expect(await sessions.open('key:a', { tenantId: 'acme' })).toBe('caller_sessions_full');
    await openInitialized('key:b');
    expect(await sessions.open('key:c', { tenantId: 'globex' })).toBe('sessions_full');
    await sessions.close(first.id, 'deleted');
    expect(typeof (await sessions.open('key:a', { tenantId: 'acme' }))).toBe('object');
    expect((await metrics.sessions.get()).values[0]?.value).toBe(3);
  });

  it('answers a session id as unknown to every caller but the one that opened it', async () => {
    const session = await openInitialized('key:a');
    expect(sessions.find(session.id, 'key:a')).toBe(session);
    expect(sessions.find(session.id, 'key:b')).toBe('session_wrong_caller');
    expect(sessions.find('0f0e0d0c-not-a-session', 'key:a')).toBe('session_not_found');
  });

  it('closes sessions idle past the idle period but never one with an open stream', async () => {
    const idle = await openInitialized('key:a');
    const streaming = await openInitialized('key:b');
    const stream = await openStream(streaming);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const release = sessions.hold(streaming);

    now += IDLE_MS - 1;
    expect(await sessions.sweep()).toBe(0);
    now += 1;
    expect(await sessions.sweep()).toBe(1);
    expect(sessions.find(idle.id, 'key:a')).toBe('session_not_found');
    expect(sessions.find(streaming.id, 'key:b')).toBe(streaming);
    expect(await closedCount('idle')).toBe(1);

    release();
    now += IDLE_MS;
    expect(await sessions.sweep()).toBe(1);
    expect(sessions.size).toBe(0);
    await stream.body?.cancel();
  });

  it('drops a session whose first request did not initialize it', async () => {
    const session = await sessions.open('key:a', { tenantId: 'acme' });
    if (typeof session === 'string') throw new Error(session);
    const response = await post(session, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(response.status).toBe(400);
    await sessions.discardUnlessInitialized(session);
    expect(sessions.find(session.id, 'key:a')).toBe('session_not_found');
    expect(await closedCount('failed_initialize')).toBe(1);
    const initialized = await openInitialized('key:a');
    await sessions.discardUnlessInitialized(initialized);
    expect(sessions.find(initialized.id, 'key:a')).toBe(initialized);
  });

  it('records a client DELETE as the end of its session', async () => {
    const session = await openInitialized('key:a');
    const response = await session.transport.handleRequest(new Request('http://acai.test/mcp', { method: 'DELETE', headers: { 'mcp-session-id': session.id } }));
    expect(response.status).toBe(200);
    expect(sessions.find(session.id, 'key:a')).toBe('session_not_found');
    expect(await closedCount('deleted')).toBe(1);
  });

  it('sends tools/list_changed on every open stream when the tool set changes', async () => {
    const sessionA = await openInitialized('key:a');
    const sessionB = await openInitialized('key:b');
    const streams = await Promise.all([openStream(sessionA), openStream(sessionB)]);
    tools = [
      {
        exposedName: 'weather__get_forecast',
        plugin: 'weather',
        pluginVersion: '1.0.0',
        tool: 'get_forecast',
        description: 'Forecast',
        parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
        schemaFingerprint: 'f',
        idempotent: true,
        available: true,
      },
    ];
    offered = [];
    const received = await Promise.all(streams.map((stream) => readUntil(stream, 'notifications/tools/list_changed')));
    for (const text of received) expect(text).toContain('"method":"notifications/tools/list_changed"');
  });

  it('ends open streams when draining, refuses new sessions, and closes every session at the end', async () => {
    const session = await openInitialized('key:a');
    const stream = await openStream(session);
    sessions.drain();
    expect(await stream.text()).toBe('');
    expect(await sessions.open('key:b', { tenantId: 'acme' })).toBe('shutting_down');
    expect(sessions.find(session.id, 'key:a')).toBe(session);
    await sessions.closeAll();
    expect(sessions.size).toBe(0);
    expect(await closedCount('shutdown')).toBe(1);
    expect((await metrics.sessions.get()).values[0]?.value).toBe(0);
  });
});

async function readUntil(response: Response, marker: string): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(marker)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}
