// Retention wired as `npm start` wires it: CONVERSATION_RETENTION_DAYS and per-tenant overrides read from
// the environment, the sweeper on the real host's store (MongoDB wire), session directory and title cache
// (Redis), its Redis lease, and its metrics on /metrics. The host's clock is moved forward instead of waiting days.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { bearer, fakeModelEnv, scrapeMetrics, scriptedAssistant, sharedServicesEnv, startTestHost, twirpJson, type RunningTestHost } from './host-support.js';

const KEY_A = 'acai_e2e_retention_a_key_0123456789abcdef';
const KEY_B = 'acai_e2e_retention_b_key_0123456789abcdef';
const KEY_C = 'acai_e2e_retention_c_key_0123456789abcdef';
const KEY_OPS = 'acai_e2e_retention_ops_key_0123456789abcd';
const DAY_MS = 24 * 60 * 60 * 1000;

let offsetMs = 0;
const movableClock = { now: () => new Date(Date.now() + offsetMs), timeZone: 'UTC' };
let fake: FakeOpenAIServer;
let host: RunningTestHost;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
  host = await startTestHost(
    {
      ...fakeModelEnv(fake),
      ...sharedServicesEnv('e2e_retention'),
      ACAI_API_KEYS: `${KEY_A}:tenant-a:chat,${KEY_B}:tenant-b:chat,${KEY_C}:tenant-c:chat,${KEY_OPS}:ops:metrics`,
      CONVERSATION_RETENTION_DAYS: '1',
      // tenant-b keeps everything; tenant-c keeps conversations for five days.
      CONVERSATION_RETENTION_TENANT_DAYS: 'tenant-b=0,tenant-c=5',
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_BURST: '100000',
    },
    { clock: movableClock },
  );
}, 120_000);

afterAll(async () => {
  await host?.close();
  await fake?.close();
});

const chat = (method: string, body: unknown, key: string) => twirpJson(host.url, method, body, bearer(key));

async function start(key: string, session?: Record<string, string>): Promise<string> {
  const response = await chat('StartConversation', { message: 'keep or sweep?', ...(session ? { session_metadata: session } : {}) }, key);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.conversation_id as string;
}

const metricValue = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('conversation retention on the real host', () => {
  it('deletes, per tenant setting, the conversations untouched past their retention, with their session binding, and counts it', async () => {
    expect(host.app.retention.isActive).toBe(true);
    const session = { platform: 'web', user_id: 'retention-user', chat_id: 'retention-chat' };
    const expired = await start(KEY_A, session);
    const keptForever = await start(KEY_B);
    const keptFiveDays = await start(KEY_C);

    // The store stamps turns with the system time; the sweeper reads the host's clock, now two days on.
    offsetMs = 2 * DAY_MS;
    const sweep = await host.app.retention.sweepOnce();
    expect(sweep).toEqual({ outcome: 'completed', deleted: 1 });

    const expiredAnswer = await chat('DescribeConversation', { conversation_id: expired }, KEY_A);
    expect([expiredAnswer.status, expiredAnswer.body.code]).toEqual([404, 'not_found']);
    for (const [id, key] of [[keptForever, KEY_B], [keptFiveDays, KEY_C]] as const) {
      expect((await chat('DescribeConversation', { conversation_id: id }, key)).status, id).toBe(200);
    }
    // The session's next message starts a new conversation instead of reaching the deleted one.
    const next = await chat('ContinueConversation', { message: 'still there?', session_metadata: session }, KEY_A);
    expect(next.status).toBe(200);
    expect(next.body.conversation_id).not.toBe(expired);

    // The lease (Redis, held for most of the interval) keeps a second sweep in the same interval from running.
    expect(await host.app.retention.sweepOnce()).toEqual({ outcome: 'skipped', deleted: 0 });

    const metrics = await scrapeMetrics(host.url, KEY_OPS);
    expect(metricValue(metrics, 'acai_retention_deleted_conversations_total')).toBe(1);
    expect(metricValue(metrics, 'acai_retention_sweeps_total{outcome="completed"}')).toBe(1);
    expect(metricValue(metrics, 'acai_retention_sweeps_total{outcome="skipped"}')).toBe(1);
    expect(metricValue(metrics, 'acai_retention_last_sweep_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 + DAY_MS / 1000);
  });
});
