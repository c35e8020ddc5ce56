import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientIpResolver } from '../client-address/index.js';
import { MemoryRateLimiter } from '../rate-limit/index.js';
import { authPlugin } from './auth-plugin.js';
import { createAuthenticator } from './create-authenticator.js';
import { parseBootstrapKeys } from './static-api-key-source.js';

const KEY = 'acai_failureLimitKEY0123456789abcd';
const URL_PATH = '/twirp/acai.chat.ChatService/ListConversations';

describe('authPlugin with a failure limiter', () => {
  let now = 1_700_000_000_000;
  const apps: Array<ReturnType<typeof Fastify>> = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  async function build() {
    const limiter = new MemoryRateLimiter({ kind: 'token_bucket', capacity: 2, refillPerSecond: 1 / 60 }, { now: () => now });
    const app = Fastify();
    apps.push(app);
    await app.register(authPlugin, {
      authenticator: createAuthenticator({ sources: [parseBootstrapKeys(`${KEY}:acme:chat`)] }),
      clientIp: createClientIpResolver([]),
      failureLimiter: limiter,
      protect: [{ prefix: '/twirp/', scope: 'chat' }],
    });
    app.post(URL_PATH, async () => ({ ok: true }));
    return { app, limiter };
  }

  const call = (app: ReturnType<typeof Fastify>, headers: Record<string, string>, remoteAddress = '198.51.100.7') =>
    app.inject({ method: 'POST', url: URL_PATH, headers: { 'content-type': 'application/json', ...headers }, payload: {}, remoteAddress });

  it('refuses an address with 429 once its failures spent the budget, before looking any new key up', async () => {
    const { app } = await build();
    const statuses = [];
    for (const key of ['wrong-key-number-one-000000', 'wrong-key-number-two-000000', 'wrong-key-number-three-0000']) {
      statuses.push((await call(app, { authorization: `Bearer ${key}` })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 429]);
    // A key the host has not verified recently would need a store lookup: it waits too.
    const refused = await call(app, { authorization: `Bearer ${KEY}` });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'resource_exhausted' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another address is unaffected.
    expect((await call(app, { authorization: `Bearer ${KEY}` }, '198.51.100.8')).statusCode).toBe(200);
    // The budget refills with time.
    now += 61_000;
    expect((await call(app, { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
  });

  it('keeps serving a recently verified key from an address whose guessing budget is spent (e.g. behind one NAT)', async () => {
    const { app } = await build();
    expect((await call(app, { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
    for (const key of ['wrong-key-number-one-000000', 'wrong-key-number-two-000000', 'wrong-key-number-three-0000']) await call(app, { authorization: `Bearer ${key}` });
    expect((await call(app, { authorization: `Bearer wrong-key-number-four-00000` })).statusCode).toBe(429);
    expect((await call(app, { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
  });

  it('charges failures to their own bucket, not to the address\'s request budget', async () => {
    const { app, limiter } = await build();
    await call(app, { authorization: 'Bearer wrong-key-number-one-000000' });
    expect((await limiter.consume('ip:198.51.100.7', { mode: 'peek' })).remaining).toBe(2);
    expect((await limiter.consume('auth-failures:ip:198.51.100.7', { mode: 'peek' })).remaining).toBe(1);
  });

  it('never charges successful requests to the address', async () => {
    const { app } = await build();
    for (let index = 0; index < 5; index += 1) expect((await call(app, { 'x-api-key': KEY })).statusCode).toBe(200);
  });
});
