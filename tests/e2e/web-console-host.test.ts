// What the web console needs from the real host (buildApp, embedded store): the built console at
// /console with its security headers, /auth/whoami for any valid key, and /metrics for admin keys on
// the main port, also when METRICS_PORT moves the unauthenticated scrape elsewhere.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AcaiApp } from '../../core/src/app.js';
import { loadHostConfig } from '../../core/src/config/env-config.js';
import { BUILT_CONSOLE_DIRECTORY, CONSOLE_CONTENT_SECURITY_POLICY } from '../../core/src/web-console/index.js';
import { REPO_PLUGINS_CONFIG } from './host-support.js';

const CHAT_KEY = 'acai_console_e2e_chat_key_000000000000';
const ADMIN_KEY = 'acai_console_e2e_admin_key_00000000000';
const METRICS_KEY = 'acai_console_e2e_metrics_key_000000000';

async function startApp(extra: Record<string, string> = {}): Promise<{ app: AcaiApp; close(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'acai-console-e2e-'));
  const env = {
    PLUGINS_CONFIG: REPO_PLUGINS_CONFIG,
    PLUGINS_WATCH: 'false',
    ACAI_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ACAI_API_KEYS: `${CHAT_KEY}:tenant-a:chat,${ADMIN_KEY}:ops:admin,${METRICS_KEY}:scraper:metrics`,
    ...extra,
  };
  const app = await buildApp(loadHostConfig(env), { env });
  return {
    app,
    close: async () => {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

describe('the host serving the web console', () => {
  let host: { app: AcaiApp; close(): Promise<void> };
  beforeAll(async () => {
    if (!existsSync(join(BUILT_CONSOLE_DIRECTORY, 'index.html'))) throw new Error('the console is not built; run `npm run build:console` (npm test does)');
    host = await startApp();
  }, 60_000);
  afterAll(() => host?.close());

  const get = (url: string, key?: string) => host.app.server.inject({ method: 'GET', url, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });

  it('serves the built console publicly at /console and its client-side routes, with the CSP', async () => {
    const shell = readFileSync(join(BUILT_CONSOLE_DIRECTORY, 'index.html'), 'utf8');
    for (const url of ['/console', '/console/', '/console/plugins', '/console/chat/665f1c2e9a7b3d0012345678']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toBe(shell);
      expect(response.headers['content-security-policy']).toBe(CONSOLE_CONTENT_SECURITY_POLICY);
    }
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(shell)?.[1];
    expect(script).toBeDefined();
    const asset = await get(script!);
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get('/')).body).toContain('/console');
  });

  it('tells each key who it is on /auth/whoami and refuses bad keys', async () => {
    expect((await get('/auth/whoami', CHAT_KEY)).json()).toMatchObject({ tenant_id: 'tenant-a', scopes: ['chat'], source: 'api_key' });
    expect((await get('/auth/whoami', ADMIN_KEY)).json()).toMatchObject({ tenant_id: 'ops', scopes: ['admin'] });
    expect((await get('/auth/whoami', METRICS_KEY)).json()).toMatchObject({ tenant_id: 'scraper', scopes: ['metrics'] });
    const refused = await get('/auth/whoami', 'acai_not_a_key_000000000000000000000');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ code: 'unauthenticated', msg: 'invalid API key' });
    expect((await get('/auth/whoami')).statusCode).toBe(401);
  });

  it('serves /metrics to admin and metrics keys, not to chat keys', async () => {
    expect((await get('/metrics', ADMIN_KEY)).statusCode).toBe(200);
    expect((await get('/metrics', METRICS_KEY)).body).toContain('acai_http_requests_total');
    const denied = await get('/metrics', CHAT_KEY);
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toEqual({ code: 'permission_denied', msg: 'this API key lacks the "metrics" or "admin" scope' });
    expect((await get('/metrics')).statusCode).toBe(401);
  });

  it('keeps /metrics on the main port for admin keys when METRICS_PORT serves the unauthenticated scrape', async () => {
    const separate = await startApp({ METRICS_PORT: '9464' });
    try {
      const response = await separate.app.server.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('acai_tool_calls_total');
      expect((await separate.app.server.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    } finally {
      await separate.close();
    }
  });
});
