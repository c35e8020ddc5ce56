import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../core/src/auth/index.js';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { mongoUrlWithDatabase, requireRedisUrl, uniqueName } from '../support/env.js';
import { bearer, fakeModelEnv, scriptedAssistant, startTestHost, twirpJson, type RunningTestHost } from './host-support.js';

// Authentication and tenant isolation on every chat RPC of the real host (MongoDB-wire store, Redis).
const KEY_A = 'acai_edge_auth_tenant_a_0123456789abcdef';
const KEY_B = 'acai_edge_auth_tenant_b_0123456789abcdef';
const KEY_METRICS_ONLY = 'acai_edge_auth_metrics_0123456789abcdef';
const SECRET_TEXT = 'tenant A plans the Zanzibar merger';
const SESSION = { platform: 'telegram', user_id: 'user-1', chat_id: 'chat-1' };

let fake: FakeOpenAIServer;
let host: RunningTestHost;
let revokedKey = '';
const redisPrefix = `${uniqueName('edge_auth')}:`;

const RPCS: ReadonlyArray<readonly [method: string, body: Record<string, unknown>]> = [
  ['StartConversation', { message: 'hello' }],
  ['ContinueConversation', { conversation_id: '0123456789abcdef01234567', message: 'hello' }],
  ['DescribeConversation', { conversation_id: '0123456789abcdef01234567' }],
  ['ListConversations', {}],
];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
  const database = uniqueName('edge_auth');
  host = await startTestHost({
    ...fakeModelEnv(fake),
    MONGODB_URL: mongoUrlWithDatabase(database),
    MONGODB_DATABASE: database,
    REDIS_URL: requireRedisUrl(),
    REDIS_KEY_PREFIX: redisPrefix,
    ACAI_API_KEYS: `${KEY_A}:tenant-a:chat,${KEY_B}:tenant-b:chat,${KEY_METRICS_ONLY}:ops:metrics`,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_BURST: '100000',
  });
  // A stored key revoked before its first use: the lookup cache has never seen it.
  const issued = await createApiKey(host.app.apiKeys, { tenantId: 'tenant-a', scopes: ['chat'], label: 'revoked in test' });
  await revokeApiKey(host.app.apiKeys, issued.summary.id, new Date(Date.now() - 1000));
  revokedKey = issued.key;
});

afterAll(async () => {
  const cleaner = new Redis(requireRedisUrl());
  const keys = await cleaner.keys(`${redisPrefix}*`);
  if (keys.length > 0) await cleaner.del(...keys);
  await cleaner.quit();
  await host?.close();
  await fake?.close();
});

describe('authentication on every chat RPC', () => {
  it.each(RPCS)('%s: no key, a wrong key and a revoked key are unauthenticated (401); a key without the chat scope is permission_denied (403)', async (method, body) => {
    const missing = await twirpJson(host.url, method, body);
    expect([missing.status, missing.body.code]).toEqual([401, 'unauthenticated']);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');

    const wrong = await twirpJson(host.url, method, body, bearer('acai_this_key_was_never_issued_000000'));
    expect([wrong.status, wrong.body.code]).toEqual([401, 'unauthenticated']);

    const revoked = await twirpJson(host.url, method, body, bearer(revokedKey));
    expect([revoked.status, revoked.body.code]).toEqual([401, 'unauthenticated']);
    expect(revoked.body.msg).toMatch(/revoked/);

    const noScope = await twirpJson(host.url, method, body, { 'x-api-key': KEY_METRICS_ONLY });
    expect([noScope.status, noScope.body.code]).toEqual([403, 'permission_denied']);
  });

  it('refuses hostile credentials without a server error: two different keys, an 8 KiB token, a malformed Authorization', async () => {
    const conflicting = await twirpJson(host.url, 'ListConversations', {}, { authorization: `Bearer ${KEY_A}`, 'x-api-key': KEY_B });
    expect([conflicting.status, conflicting.body.code]).toEqual([401, 'unauthenticated']);
    const huge = await twirpJson(host.url, 'ListConversations', {}, bearer('x'.repeat(8 * 1024)));
    expect([huge.status, huge.body.code]).toEqual([401, 'unauthenticated']);
    const malformed = await twirpJson(host.url, 'ListConversations', {}, { authorization: `Basic ${Buffer.from(`${KEY_A}:`).toString('base64')}` });
    expect([malformed.status, malformed.body.code]).toEqual([401, 'unauthenticated']);
    for (const response of [conflicting, huge, malformed]) expect(JSON.stringify(response.body)).not.toMatch(/stack|at .*\.ts/);
  });
});

describe('tenant isolation', () => {
  let conversationOfA = '';

  beforeAll(async () => {
    const started = await twirpJson(host.url, 'ContinueConversation', { message: SECRET_TEXT, session_metadata: SESSION }, bearer(KEY_A));
    expect(started.status).toBe(200);
    conversationOfA = started.body.conversation_id;
    expect(conversationOfA).toMatch(/^[0-9a-f]{24}$/);
  });

  it('keys sessions by tenant: the same session metadata from another tenant opens that tenant’s own conversation', async () => {
    fake.reset();
    const startedByB = await twirpJson(host.url, 'StartConversation', { message: 'hello from B', session_metadata: SESSION }, bearer(KEY_B));
    expect(startedByB.status).toBe(200);
    expect(startedByB.body.conversation_id).not.toBe(conversationOfA);
    const continuedByB = await twirpJson(host.url, 'ContinueConversation', { message: 'and again', session_metadata: SESSION }, bearer(KEY_B));
    expect(continuedByB.body.conversation_id).toBe(startedByB.body.conversation_id);
    // Nothing of A's conversation reached the model on B's turns.
    expect(JSON.stringify(fake.completionBodies())).not.toContain('Zanzibar');

    const continuedByA = await twirpJson(host.url, 'ContinueConversation', { message: 'still me', session_metadata: SESSION }, bearer(KEY_A));
    expect(continuedByA.body.conversation_id).toBe(conversationOfA);

    const redis = new Redis(requireRedisUrl());
    try {
      const keys = (await redis.keys(`${redisPrefix}session:*`)).map((key) => key.slice(redisPrefix.length)).sort();
      expect(keys).toEqual(['session:tenant-a:telegram:chat-1:user-1', 'session:tenant-b:telegram:chat-1:user-1']);
    } finally {
      await redis.quit();
    }
  });

  it('answers not_found to Continue and Describe of another tenant’s conversation and lists only the caller’s own', async () => {
    for (const [method, body] of [
      ['ContinueConversation', { conversation_id: conversationOfA, message: 'let me in' }],
      ['DescribeConversation', { conversation_id: conversationOfA }],
    ] as const) {
      const response = await twirpJson(host.url, method, body, bearer(KEY_B));
      expect([response.status, response.body.code], method).toEqual([404, 'not_found']);
      expect(JSON.stringify(response.body)).not.toContain('Zanzibar');
    }
    const listedByB = await twirpJson(host.url, 'ListConversations', { page_size: 100 }, bearer(KEY_B));
    expect(listedByB.body.conversations.map((entry: { id: string }) => entry.id)).not.toContain(conversationOfA);
    const listedByA = await twirpJson(host.url, 'ListConversations', { page_size: 100 }, bearer(KEY_A));
    expect(listedByA.body.conversations.map((entry: { id: string }) => entry.id)).toContain(conversationOfA);

    // A's conversation is untouched by B's attempts.
    const described = await twirpJson(host.url, 'DescribeConversation', { conversation_id: conversationOfA }, bearer(KEY_A));
    expect(described.body.conversation.messages.map((message: { content: string }) => message.content)).not.toContain('let me in');
  });

  it('gives the same answer for another tenant’s id and an id that never existed, so ids cannot be probed', async () => {
    const foreign = await twirpJson(host.url, 'DescribeConversation', { conversation_id: conversationOfA }, bearer(KEY_B));
    const unknown = await twirpJson(host.url, 'DescribeConversation', { conversation_id: 'ffffffffffffffffffffffff' }, bearer(KEY_B));
    expect(foreign.status).toBe(unknown.status);
    expect(foreign.body).toEqual(unknown.body);
  });
});
