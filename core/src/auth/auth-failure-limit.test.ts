import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientIpResolver } from '../client-address/index.js';
import { MemoryRateLimiter } from '../rate-limit/index.js';
import { keyPrefixBucket } from './auth-failure-throttle.js';
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

  it('answers 429 once an address spent its failure budget, yet serves a valid key from that address it never saw before', async () => {
    const { app } = await build();
    const statuses = [];
    for (const key of ['wrong-key-number-one-000000', 'wrong-key-number-two-000000', 'wrong-key-number-three-0000']) {
      statuses.push((await call(app, { authorization: `Bearer ${key}` })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 429]);
    const refused = await call(app, { authorization: 'Bearer wrong-key-number-four-00000' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'resource_exhausted', meta: { throttled_by: 'address' } });
    expect(refused.json().msg).toContain('from this address');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Requests without any key from the spent address are refused without a lookup.
    expect((await call(app, {})).statusCode).toBe(429);
    // A valid key is checked and served: the guesser's failures never lock out its neighbours.
    expect((await call(app, { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
    expect((await call(app, { authorization: 'Bearer wrong-key-number-five-00000' })).statusCode).toBe(429);
    // Another address is unaffected, and the budget refills with time.
    expect((await call(app, { authorization: 'Bearer another-address-guess-000000' }, '198.51.100.8')).statusCode).toBe(401);
    now += 10 * 61_000;
    expect((await call(app, { authorization: 'Bearer after-the-refill-guess-0000' })).statusCode).toBe(401);
  });

  it('counts failures per presented key prefix too, across addresses, without touching the valid key', async () => {
    const { app } = await build();
    const statuses = [];
    for (const [index, suffix] of ['A', 'B', 'C'].entries()) {
      statuses.push((await call(app, { authorization: `Bearer acai_sameprefix-guess-${suffix}` }, `203.0.113.${index + 1}`)).statusCode);
    }
    expect(statuses).toEqual([401, 401, 429]);
    const refused = await call(app, { authorization: 'Bearer acai_sameprefix-guess-D' }, '203.0.113.9');
    expect(refused.json()).toMatchObject({ code: 'resource_exhausted', meta: { throttled_by: 'key_prefix' } });
    expect((await call(app, { authorization: `Bearer ${KEY}` }, '203.0.113.9')).statusCode).toBe(200);
  });

  it('never throttles a valid key, even one sharing its prefix with a flood of failures', async () => {
    const { app } = await build();
    const lookalike = `${KEY.slice(0, 13)}-but-wrong`;
    for (let index = 0; index < 30; index += 1) await call(app, { authorization: `Bearer ${lookalike}${index}` });
    expect((await call(app, { authorization: `Bearer ${lookalike}x` })).statusCode).toBe(429);
    expect((await call(app, { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
  });

  it('keeps serving a recently verified key from an address whose guessing budget is spent (e.g. behind one NAT)', async () => {
    const { app } = await build();
    expect((await call(app, { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
    for (const key of ['wrong-key-number-one-000000', 'wrong-key-number-two-000000', 'wrong-key-number-three-0000']) await call(app, { authorization: `Bearer ${key}` });
    expect((await call(app, { authorization: `Bearer wrong-key-number-four-00000` })).statusCode).toBe(429);
    expect((await call(app, { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
  });

  it('charges hostile keys (huge, two different ones, odd bytes) to the address, and buckets never hold key text', async () => {
    const { app, limiter } = await build();
    const huge = `acai_${'A'.repeat(8_000)}`;
    expect((await call(app, { authorization: `Bearer ${huge}` })).statusCode).toBe(401);
    expect((await call(app, { authorization: `Bearer ${KEY}`, 'x-api-key': 'acai_someone_elses_key_000000' })).statusCode).toBe(401);
    expect((await call(app, { 'x-api-key': 'acai_\u00e9\u0000-odd' })).statusCode).toBe(429);
    expect(keyPrefixBucket(huge)).toMatch(/^auth-failures:key:[0-9a-f]{24}$/);
    expect(keyPrefixBucket(huge)).not.toContain('AAAA');
    // Two different keys count against the address only: neither key's prefix is charged for them.
    expect((await limiter.consume(keyPrefixBucket(KEY), { mode: 'peek' })).remaining).toBe(2);
    expect((await call(app, { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
  });

  it('charges failures to their own bucket, not to the address\'s request budget', async () => {
    const { app, limiter } = await build();
    await call(app, { authorization: 'Bearer wrong-key-number-one-000000' });
    expect((await limiter.consume('ip:198.51.100.7', { mode: 'peek' })).remaining).toBe(2);
    expect((await limiter.consume('auth-failures:ip:198.51.100.7', { mode: 'peek' })).remaining).toBe(1);
    expect((await limiter.consume(keyPrefixBucket('wrong-key-number-one-000000'), { mode: 'peek' })).remaining).toBe(1);
  });

  it('never charges successful requests to the address', async () => {
    const { app } = await build();
    for (let index = 0; index < 5; index += 1) expect((await call(app, { 'x-api-key': KEY })).statusCode).toBe(200);
  });
});
