import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../auth/index.js';
import { loadHostConfig } from '../config/env-config.js';
import { McpHttpSessions } from './mcp-http-sessions.js';
import { createMcpMetrics } from './mcp-metrics.js';
import { McpToolCatalog } from './mcp-tool-catalog.js';
import { mcpSessionOwner, resolveMcpSession, type McpSessionRequest } from './resolve-mcp-session.js';

const SETTINGS = { ...loadHostConfig({}, '/srv/acai').mcp, maxSessions: 2, maxSessionsPerCaller: 1 };
const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'ide', version: '1' } } };
const CALLER = { tenantId: 'acme', keyId: 'k1' };

let sessions: McpHttpSessions;

function openSessions(): McpHttpSessions {
  const catalog = new McpToolCatalog({ listModelTools: () => [], listTools: () => [] }, { pollMs: 10 });
  sessions = new McpHttpSessions({
    maxSessions: SETTINGS.maxSessions,
    maxSessionsPerCaller: SETTINGS.maxSessionsPerCaller,
    idleMs: 60_000,
    catalog,
    createServer: () => new Server({ name: 'acai-test', version: '0.0.0' }, { capabilities: { tools: {} } }),
    metrics: createMcpMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
  });
  return sessions;
}

function request(overrides: Partial<McpSessionRequest>): McpSessionRequest {
  return { method: 'POST', sessionId: undefined, body: INITIALIZE, owner: 'key:k1', caller: CALLER, ...overrides };
}

const ignoreWrongCaller = () => {};

afterEach(async () => {
  await sessions.closeAll();
});

describe('resolveMcpSession', () => {
  it('opens a session for an initialize without a session id', async () => {
    const target = await resolveMcpSession(openSessions(), request({}), SETTINGS, ignoreWrongCaller);
    expect(target).toMatchObject({ kind: 'opened', session: { owner: 'key:k1', caller: CALLER } });
  });

  it('finds the caller’s own session by id', async () => {
    const store = openSessions();
    const opened = await resolveMcpSession(store, request({}), SETTINGS, ignoreWrongCaller);
    if (!('kind' in opened)) throw new Error('expected a session');
    const found = await resolveMcpSession(store, request({ sessionId: opened.session.id, body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } }), SETTINGS, ignoreWrongCaller);
    expect(found).toEqual({ kind: 'existing', session: opened.session });
  });

  it('answers another caller’s session id as not found, and reports the attempt', async () => {
    const store = openSessions();
    const opened = await resolveMcpSession(store, request({}), SETTINGS, ignoreWrongCaller);
    if (!('kind' in opened)) throw new Error('expected a session');
    const reported: string[] = [];
    const refusal = await resolveMcpSession(store, request({ sessionId: opened.session.id, owner: 'key:k2' }), SETTINGS, (id) => reported.push(id));
    expect(refusal).toEqual({ status: 404, code: -32001, message: 'Session not found', reason: 'session_wrong_caller' });
    expect(reported).toEqual([opened.session.id]);
  });

  it('answers an unknown session id as not found, without a report', async () => {
    const reported: string[] = [];
    const refusal = await resolveMcpSession(openSessions(), request({ sessionId: 'not-a-session' }), SETTINGS, (id) => reported.push(id));
    expect(refusal).toMatchObject({ status: 404, reason: 'session_not_found' });
    expect(reported).toEqual([]);
  });

  it('requires a session id for anything but an initialize POST', async () => {
    const store = openSessions();
    expect(await resolveMcpSession(store, request({ body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } }), SETTINGS, ignoreWrongCaller)).toMatchObject({ status: 400, reason: 'session_required' });
    expect(await resolveMcpSession(store, request({ method: 'GET', body: undefined }), SETTINGS, ignoreWrongCaller)).toMatchObject({ status: 400, reason: 'session_required' });
    expect(await resolveMcpSession(store, request({ method: 'DELETE', body: undefined }), SETTINGS, ignoreWrongCaller)).toMatchObject({ status: 400, reason: 'session_required' });
    // Duplicate Mcp-Session-Id headers arrive as a list: never taken for a session id.
    expect(await resolveMcpSession(store, request({ method: 'GET', sessionId: ['a', 'b'], body: undefined }), SETTINGS, ignoreWrongCaller)).toMatchObject({ reason: 'session_required' });
    expect(store.size).toBe(0);
  });

  it('answers an initialize the SDK would not recognise with invalid params, opening nothing', async () => {
    const store = openSessions();
    const refusal = await resolveMcpSession(store, request({ body: { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: 'x' } } }), SETTINGS, ignoreWrongCaller);
    expect(refusal).toMatchObject({ status: 400, code: -32602, reason: 'invalid_initialize' });
    expect(store.size).toBe(0);
  });

  it('refuses a session past the caller’s limit with 429 and Retry-After', async () => {
    const store = openSessions();
    await resolveMcpSession(store, request({}), SETTINGS, ignoreWrongCaller);
    const refusal = await resolveMcpSession(store, request({}), SETTINGS, ignoreWrongCaller);
    expect(refusal).toMatchObject({ status: 429, reason: 'caller_sessions_full', headers: { 'retry-after': '60' } });
  });
});

describe('mcpSessionOwner', () => {
  const principal = (overrides: Partial<Principal>): Principal => ({ tenantId: 'acme', scopes: ['tools'], source: 'api_key', ...overrides });

  it('binds sessions to the API key, whatever address the caller comes from', () => {
    expect(mcpSessionOwner(principal({ keyId: 'k1' }), '10.0.0.1')).toBe('key:k1');
    expect(mcpSessionOwner(principal({ keyId: 'k1' }), '10.0.0.2')).toBe('key:k1');
  });

  it('binds keyless callers to their source, tenant and address', () => {
    expect(mcpSessionOwner(principal({ source: 'trusted_network' }), '10.0.0.1')).toBe('trusted_network:acme:10.0.0.1');
    expect(mcpSessionOwner(principal({ source: 'trusted_network' }), '10.0.0.2')).not.toBe(mcpSessionOwner(principal({ source: 'trusted_network' }), '10.0.0.1'));
  });
});
