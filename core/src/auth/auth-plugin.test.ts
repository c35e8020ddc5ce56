import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClientIpResolver } from '../client-address/index.js';
import { SqliteApiKeyStore } from '../storage/api-keys/index.js';
import { createApiKey, listApiKeys, revokeApiKey } from './api-key-admin.js';
import { hashApiKey } from './api-key-hash.js';
import { authPlugin } from './auth-plugin.js';
import { createAuthenticator, type Authenticator } from './create-authenticator.js';
import { loadApiKeysFile, parseBootstrapKeys, StaticApiKeySource } from './static-api-key-source.js';
import { parseTrustedNetworks } from './trusted-networks.js';

const CHAT_URL = '/twirp/acai.chat.v1.ChatService/ListConversations';
const BOOTSTRAP_KEY = 'acai_bootstrapKEYforTESTS0123456789';

describe('authPlugin', () => {
  let store: SqliteApiKeyStore;
  let clock: number;
  let authenticator: Authenticator;
  let app: FastifyInstance;

  async function buildApp(options: { disabled?: boolean; logger?: Logger } = {}): Promise<FastifyInstance> {
    authenticator = createAuthenticator({
      disabled: options.disabled ?? false,
      sources: [parseBootstrapKeys(`${BOOTSTRAP_KEY}:acme:chat+metrics`), store],
      trustedNetworks: parseTrustedNetworks(['10.20.0.0/16=legacy', '192.168.7.0/24=ops:chat+metrics']),
      cacheTtlMs: 10_000,
      now: () => clock,
    });
    const instance = options.logger ? Fastify({ loggerInstance: options.logger as FastifyBaseLogger }) : Fastify();
    await instance.register(authPlugin, {
      authenticator,
      clientIp: createClientIpResolver([]),
      protect: [
        { prefix: '/twirp/', scope: 'chat' },
        { prefix: '/metrics', scope: 'metrics' },
        { prefix: '/admin/', scope: 'admin' },
        { prefix: '/reports/', scope: ['metrics', 'admin'] },
        { prefix: '/mcp', scope: 'tools' },
      ],
    });
    instance.get('/reports/daily', async () => 'ok');
    instance.post(CHAT_URL, async (request) => ({ principal: request.principal }));
    instance.get('/metrics', async () => 'ok');
    instance.get('/admin/keys', async () => 'ok');
    instance.post('/mcp', async (request) => ({ principal: request.principal }));
    instance.get('/healthz', async (request) => ({ status: 'ok', hasPrincipal: request.principal !== undefined }));
    return instance;
  }

  beforeEach(async () => {
    clock = Date.parse('2025-01-01T00:00:00Z');
    store = new SqliteApiKeyStore(':memory:');
    app = await buildApp();
  });
  afterEach(async () => {
    await app.close();
    await store.close();
  });

  const chat = (headers: Record<string, string> = {}, remoteAddress = '203.0.113.9') =>
    app.inject({ method: 'POST', url: CHAT_URL, headers: { 'content-type': 'application/json', ...headers }, payload: {}, remoteAddress });

  it('answers a request without a key with Twirp unauthenticated (401)', async () => {
    const response = await chat();
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toEqual({ code: 'unauthenticated', msg: expect.stringContaining('missing API key') });
  });

  it('rejects a wrong key with unauthenticated', async () => {
    const response = await chat({ authorization: 'Bearer acai_notARealKey000000000000000000000' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ code: 'unauthenticated', msg: 'invalid API key' });
  });

  it('accepts a bootstrap key as Bearer or X-API-Key and attaches the principal', async () => {
    const variants: Array<Record<string, string>> = [{ authorization: `Bearer ${BOOTSTRAP_KEY}` }, { 'x-api-key': BOOTSTRAP_KEY }];
    for (const headers of variants) {
      const response = await chat(headers);
      expect(response.statusCode).toBe(200);
      expect(response.json().principal).toMatchObject({ tenantId: 'acme', scopes: ['chat', 'metrics'], source: 'api_key' });
    }
  });

  it('refuses two different keys in one request', async () => {
    const response = await chat({ authorization: `Bearer ${BOOTSTRAP_KEY}`, 'x-api-key': 'acai_other0000000000000000000000000' });
    expect(response.statusCode).toBe(401);
  });

  it('accepts a stored key and stops accepting it once revoked (after the cache TTL)', async () => {
    const { key, summary } = await createApiKey(store, { tenantId: 'globex', scopes: ['chat'], label: 'bot' });
    expect(key).toMatch(/^acai_[0-9A-Za-z]{40}$/);
    expect(JSON.stringify(await listApiKeys(store))).not.toContain(key);
    expect((await chat({ authorization: `Bearer ${key}` })).json().principal).toMatchObject({ tenantId: 'globex', keyId: summary.id });

    expect(await revokeApiKey(store, summary.id, new Date(clock))).toBe(true);
    clock += 10_001;
    const response = await chat({ authorization: `Bearer ${key}` });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ code: 'unauthenticated', msg: 'API key has been revoked' });
  });

  it('answers a key without the route’s scope with permission_denied (403)', async () => {
    const { key } = await createApiKey(store, { tenantId: 'globex', scopes: ['metrics'] });
    const response = await chat({ 'x-api-key': key });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ code: 'permission_denied', msg: 'this API key lacks the "chat" scope' });
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/admin/keys', headers: { 'x-api-key': key } })).statusCode).toBe(403);
  });

  it('admits a key holding any one of a rule’s scopes and names them all when refusing', async () => {
    const report = (key: string) => app.inject({ method: 'GET', url: '/reports/daily', headers: { 'x-api-key': key } });
    const { key: metricsKey } = await createApiKey(store, { tenantId: 'globex', scopes: ['metrics'] });
    const { key: adminKey } = await createApiKey(store, { tenantId: 'globex', scopes: ['admin'] });
    const { key: chatKey } = await createApiKey(store, { tenantId: 'globex', scopes: ['chat'] });
    expect((await report(metricsKey)).statusCode).toBe(200);
    expect((await report(adminKey)).statusCode).toBe(200);
    const refused = await report(chatKey);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ code: 'permission_denied', msg: 'this API key lacks the "metrics" or "admin" scope' });
  });

  it('guards the MCP endpoint with the tools scope: a chat key is refused there, a tools-only key cannot chat', async () => {
    const chatKey = (await createApiKey(store, { tenantId: 'globex', scopes: ['chat'] })).key;
    const toolsKey = (await createApiKey(store, { tenantId: 'globex', scopes: ['tools'] })).key;
    const mcp = (key: string) => app.inject({ method: 'POST', url: '/mcp', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, payload: {} });
    const refused = await mcp(chatKey);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ code: 'permission_denied', msg: 'this API key lacks the "tools" scope' });
    const allowed = await mcp(toolsKey);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json().principal).toMatchObject({ tenantId: 'globex', scopes: ['tools'], source: 'api_key' });
    expect((await chat({ authorization: `Bearer ${toolsKey}` })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/mcp', payload: {} })).statusCode).toBe(401);
  });

  it('serves keyless legacy clients from a trusted network as the configured tenant', async () => {
    const legacy = await chat({}, '10.20.3.4');
    expect(legacy.statusCode).toBe(200);
    expect(legacy.json().principal).toEqual({ tenantId: 'legacy', scopes: ['chat'], source: 'trusted_network' });
    expect((await chat({}, '::ffff:192.168.7.12')).json().principal).toMatchObject({ tenantId: 'ops', scopes: ['chat', 'metrics'] });
    expect((await chat({}, '10.21.0.1')).statusCode).toBe(401);
    // A key, when sent, must be valid even from a trusted network.
    expect((await chat({ 'x-api-key': 'acai_wrong000000000000000000000000000' }, '10.20.3.4')).statusCode).toBe(401);
  });

  it('adds the tenant and key id to every later line of the request, whether the key was looked up or cached, and to no other request', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    await app.close();
    app = await buildApp({ logger });
    app.log.info('before');
    const { key, summary } = await createApiKey(store, { tenantId: 'globex', scopes: ['chat'] });
    expect((await chat({ authorization: `Bearer ${key}` })).statusCode).toBe(200);
    expect((await chat({ authorization: `Bearer ${key}` })).statusCode).toBe(200);
    expect((await chat({}, '10.20.3.4')).statusCode).toBe(200);
    app.log.info('after');
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed.map((line) => [line.tenant, line.key_id])).toEqual([
      ['globex', summary.id],
      ['globex', summary.id],
      ['legacy', undefined],
    ]);
    // Each request's fields stay on its own logger: the server's lines and other requests carry none.
    expect(new Set(completed.map((line) => line.reqId)).size).toBe(3);
    expect(lines.filter((line) => line.msg === 'before' || line.msg === 'after').map((line) => [line.tenant, line.key_id])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
  });

  it('leaves public routes alone', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.json()).toEqual({ status: 'ok', hasPrincipal: false });
  });

  it('lets everything through as tenant "default" with every scope when auth is disabled', async () => {
    await app.close();
    app = await buildApp({ disabled: true });
    const response = await chat();
    expect(response.statusCode).toBe(200);
    expect(response.json().principal).toEqual({ tenantId: 'default', scopes: ['chat', 'admin', 'metrics', 'tools'], source: 'auth_disabled' });
  });

  it('keeps serving recently seen keys when the store fails, and answers unavailable otherwise', async () => {
    const { key } = await createApiKey(store, { tenantId: 'globex', scopes: ['chat'] });
    expect((await chat({ 'x-api-key': key })).statusCode).toBe(200);
    await store.close();
    clock += 10_001;
    expect((await chat({ 'x-api-key': key })).statusCode).toBe(200);
    const unknown = await chat({ 'x-api-key': 'acai_neverSeen00000000000000000000000' });
    expect(unknown.statusCode).toBe(503);
    expect(unknown.json().code).toBe('unavailable');
  });
});

describe('API key sources', () => {
  it('accepts the tools scope in bootstrap keys, the keys file and trusted networks', async () => {
    const source = parseBootstrapKeys(`${BOOTSTRAP_KEY}:acme:tools+chat`);
    expect(await source.findByHash(hashApiKey(BOOTSTRAP_KEY))).toMatchObject({ tenantId: 'acme', scopes: ['tools', 'chat'] });
    expect(parseTrustedNetworks(['127.0.0.0/8=dev:tools'])[0]).toMatchObject({ tenantId: 'dev', scopes: ['tools'] });
    const folder = mkdtempSync(join(tmpdir(), 'acai-keys-file-'));
    try {
      const path = join(folder, 'keys.json');
      writeFileSync(path, JSON.stringify({ keys: [{ id: 'k_ide', tenantId: 'acme', scopes: ['tools'], hash: hashApiKey(BOOTSTRAP_KEY) }] }));
      expect(await loadApiKeysFile(path).findByHash(hashApiKey(BOOTSTRAP_KEY))).toMatchObject({ id: 'k_ide', scopes: ['tools'] });
      writeFileSync(path, JSON.stringify({ keys: [{ id: 'k_ide', tenantId: 'acme', scopes: ['tool'], hash: hashApiKey(BOOTSTRAP_KEY) }] }));
      expect(() => loadApiKeysFile(path)).toThrow(/scopes must be chat, admin, metrics or tools/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('hashes bootstrap keys and never keeps the plaintext', async () => {
    const source = parseBootstrapKeys(`${BOOTSTRAP_KEY}:acme:chat, acai_secondKEY000000000000:beta:admin+chat`);
    expect(source.size).toBe(2);
    expect(await source.findByHash(hashApiKey(BOOTSTRAP_KEY))).toMatchObject({ tenantId: 'acme', scopes: ['chat'] });
    expect(JSON.stringify(await source.findByHash(hashApiKey(BOOTSTRAP_KEY)))).not.toContain(BOOTSTRAP_KEY);
  });

  it('rejects malformed bootstrap entries with a message naming the fix', () => {
    expect(() => parseBootstrapKeys('just-a-key')).toThrow(/key:tenant:scope\+scope/);
    expect(() => parseBootstrapKeys(`${BOOTSTRAP_KEY}:acme:root`)).toThrow(/chat, admin, metrics or tools/);
    expect(() => parseTrustedNetworks(['127.0.0.0/8=dev:tools+mcp'])).toThrow(/unknown scope mcp \(use chat, admin, metrics or tools\)/);
  });

  it('uses the pepper when one is configured', async () => {
    const peppered = createAuthenticator({ sources: [new StaticApiKeySource('file', [{ id: 'k1', tenantId: 't', scopes: ['chat'], label: '', hash: hashApiKey(BOOTSTRAP_KEY, 'pepper!'), createdAt: new Date(0) }])], pepper: 'pepper!' });
    expect((await peppered.authenticate({ apiKey: BOOTSTRAP_KEY, clientIp: '127.0.0.1' })).ok).toBe(true);
    const plain = createAuthenticator({ sources: [new StaticApiKeySource('file', [{ id: 'k1', tenantId: 't', scopes: ['chat'], label: '', hash: hashApiKey(BOOTSTRAP_KEY, 'pepper!'), createdAt: new Date(0) }])] });
    expect((await plain.authenticate({ apiKey: BOOTSTRAP_KEY, clientIp: '127.0.0.1' })).ok).toBe(false);
  });
});
