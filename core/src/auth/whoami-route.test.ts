import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientIpResolver } from '../client-address/index.js';
import { authPlugin } from './auth-plugin.js';
import { createAuthenticator } from './create-authenticator.js';
import { API_KEY_SCOPES } from './principal.js';
import { parseBootstrapKeys } from './static-api-key-source.js';
import { parseTrustedNetworks } from './trusted-networks.js';
import { registerWhoamiRoute, WHOAMI_PATH } from './whoami-route.js';

const CHAT_KEY = 'acai_whoamiChatKey000000000000000000';
const OPS_KEY = 'acai_whoamiOpsKey0000000000000000000';

async function buildApp(options: { disabled?: boolean; protect?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(authPlugin, {
    authenticator: createAuthenticator({
      disabled: options.disabled ?? false,
      sources: [parseBootstrapKeys(`${CHAT_KEY}:acme:chat,${OPS_KEY}:ops:admin+metrics`)],
      trustedNetworks: parseTrustedNetworks(['10.20.0.0/16=legacy']),
    }),
    clientIp: createClientIpResolver([]),
    protect: options.protect === false ? [] : [{ prefix: WHOAMI_PATH, scope: API_KEY_SCOPES }],
  });
  registerWhoamiRoute(app);
  return app;
}

describe('GET /auth/whoami', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  const whoami = (headers: Record<string, string> = {}, remoteAddress = '203.0.113.9') =>
    app!.inject({ method: 'GET', url: WHOAMI_PATH, headers, remoteAddress });

  it('tells a key its tenant, key id and scopes, without echoing the key and without caching', async () => {
    app = await buildApp();
    const chat = await whoami({ authorization: `Bearer ${CHAT_KEY}` });
    expect(chat.statusCode).toBe(200);
    expect(chat.headers['cache-control']).toBe('no-store');
    expect(chat.json()).toEqual({ tenant_id: 'acme', key_id: expect.any(String), scopes: ['chat'], source: 'api_key' });
    expect(chat.body).not.toContain(CHAT_KEY);
    const ops = await whoami({ 'x-api-key': OPS_KEY });
    expect(ops.json()).toMatchObject({ tenant_id: 'ops', scopes: ['admin', 'metrics'] });
  });

  it('answers a missing, wrong or hostile key with unauthenticated and never reflects it', async () => {
    app = await buildApp();
    const hostile = `<script>alert(1)</script>${'x'.repeat(4000)}`;
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer acai_wrong0000000000000000000000000' }, { 'x-api-key': hostile }, { authorization: 'Basic dXNlcjpwYXNz' }];
    for (const headers of attempts) {
      const response = await whoami(headers);
      expect(response.statusCode).toBe(401);
      expect(response.json().code).toBe('unauthenticated');
      expect(response.body).not.toContain('<script>');
    }
  });

  it('reports keyless callers from trusted networks and auth-disabled hosts by their source, without a key id', async () => {
    app = await buildApp();
    expect((await whoami({}, '10.20.1.1')).json()).toEqual({ tenant_id: 'legacy', scopes: ['chat'], source: 'trusted_network' });
    await app.close();
    app = await buildApp({ disabled: true });
    expect((await whoami()).json()).toEqual({ tenant_id: 'default', scopes: [...API_KEY_SCOPES], source: 'auth_disabled' });
  });

  it('refuses to answer when mounted without the auth plugin protecting it', async () => {
    app = await buildApp({ protect: false });
    const response = await whoami({ authorization: `Bearer ${CHAT_KEY}` });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('unauthenticated');
  });
});
