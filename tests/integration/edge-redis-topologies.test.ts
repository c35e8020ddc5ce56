import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { fakeModelEnv, scriptedAssistant, startTestHost, twirpJson, type RunningTestHost } from '../e2e/host-support.js';
import { redisServerBinary } from '../support/env.js';
import { freePort } from '../support/redis-server.js';
import { killOnExit } from '../support/child-processes.js';
import { waitUntil } from '../support/timing.js';

// REDIS_URL beyond one server: the real host on a Sentinel-managed primary (through a failover)
// and on a three-node Redis Cluster, all real redis-server processes on loopback ports.
const run = promisify(execFile);
const children: ChildProcess[] = [];
const clients: Array<Redis | Cluster> = [];
let scratch = '';
let fake: FakeOpenAIServer;

function redisServer(arguments_: string[]): ChildProcess {
  const child = killOnExit(spawn(redisServerBinary(), arguments_, { stdio: 'ignore' }));
  child.on('error', () => {});
  children.push(child);
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** The first value `probe` gives; a probe that throws has not succeeded yet. */
function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  return waitUntil(() => probe().catch(() => undefined), what);
}

function client<T extends Redis | Cluster>(created: T): T {
  created.on('error', () => {});
  clients.push(created);
  return created;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'acai-redis-topologies-'));
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
});

afterAll(async () => {
  for (const created of clients) created.disconnect();
  for (const child of children) await kill(child);
  await fake?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function sessionTurns(host: RunningTestHost): Promise<string> {
  const session = { platform: 'web', user_id: 'u-1', chat_id: 'c-1' };
  const first = await twirpJson(host.url, 'ContinueConversation', { message: 'hello', session_metadata: session });
  const second = await twirpJson(host.url, 'ContinueConversation', { message: 'hello again', session_metadata: session });
  expect([first.status, second.status]).toEqual([200, 200]);
  expect(second.body.conversation_id).toBe(first.body.conversation_id);
  return first.body.conversation_id as string;
}

async function readiness(host: RunningTestHost): Promise<{ status: string; redis: string | undefined }> {
  const body = (await (await fetch(`${host.url}/readyz`)).json()) as { status: string; checks: Array<{ name: string; state: string }> };
  return { status: body.status, redis: body.checks.find((check) => check.name === 'redis')?.state };
}

describe('REDIS_URL=redis+sentinel://…/<master>', () => {
  it('finds the primary through Sentinel, keeps sessions there, and follows a failover to the promoted replica', async () => {
    const [primaryPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const primary = redisServer(['--port', String(primaryPort), ...common]);
    redisServer(['--port', String(replicaPort), ...common, '--replicaof', '127.0.0.1', String(primaryPort)]);
    const sentinelConfig = join(scratch, 'sentinel.conf');
    await writeFile(
      sentinelConfig,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${scratch}`,
        `sentinel monitor acai-primary 127.0.0.1 ${primaryPort} 1`,
        'sentinel down-after-milliseconds acai-primary 500',
        'sentinel failover-timeout acai-primary 3000',
        '',
      ].join('\n'),
    );
    redisServer([sentinelConfig, '--sentinel']);
    const sentinel = client(new Redis({ port: sentinelPort, lazyConnect: true, maxRetriesPerRequest: 0 }));
    await until('the sentinel to see the replica', async () => {
      if (sentinel.status !== 'ready') await sentinel.connect().catch(() => {});
      const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', 'acai-primary')) as unknown[];
      return replicas.length > 0 ? true : undefined;
    });

    const host = await startTestHost({
      ...fakeModelEnv(fake),
      AUTH_DISABLED: 'true',
      REDIS_URL: `redis+sentinel://127.0.0.1:${sentinelPort}/acai-primary`,
      REDIS_KEY_PREFIX: 'sentinel-test:',
    });
    try {
      expect(await readiness(host)).toEqual({ status: 'ready', redis: 'ok' });
      const conversationId = await sessionTurns(host);
      const onPrimary = client(new Redis({ port: primaryPort }));
      expect(await onPrimary.get('sentinel-test:session:default:web:c-1:u-1')).toBe(JSON.stringify({ conversation_id: conversationId }));

      // The primary dies; Sentinel promotes the replica and the host follows it.
      await kill(primary);
      await until('Sentinel to promote the replica', async () => {
        const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'acai-primary')) as [string, string];
        return Number(port) === replicaPort ? true : undefined;
      });
      await until('the host to reach the new primary', async () => ((await readiness(host)).redis === 'ok' ? true : undefined));
      const promoted = client(new Redis({ port: replicaPort }));
      await twirpJson(host.url, 'ContinueConversation', { message: 'after the failover', session_metadata: { platform: 'web', user_id: 'u-2', chat_id: 'c-2' } });
      expect(await promoted.get('sentinel-test:session:default:web:c-2:u-2')).toMatch(/conversation_id/);
    } finally {
      await host.close();
    }
  });
});

describe('REDIS_URL=redis+cluster://…', () => {
  it('keeps sessions and rate-limit buckets on a three-node cluster', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    for (const port of ports) {
      redisServer([
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', scratch,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
      ]);
    }
    for (const port of ports) {
      const probe = client(new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 }));
      await until(`node ${port}`, async () => {
        if (probe.status !== 'ready') await probe.connect().catch(() => {});
        return (await probe.ping()) === 'PONG' ? true : undefined;
      });
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    const cluster = client(new Cluster(ports.map((port) => ({ host: '127.0.0.1', port }))));
    await until('the cluster to be ready', async () => (/cluster_state:ok/.test(String(await cluster.cluster('INFO'))) ? true : undefined));

    const host = await startTestHost({
      ...fakeModelEnv(fake),
      AUTH_DISABLED: 'true',
      REDIS_URL: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
      REDIS_KEY_PREFIX: 'cluster-test:',
      RATE_LIMIT_PER_MINUTE: '1',
      RATE_LIMIT_BURST: '6',
    });
    try {
      expect(await until('the host to see the cluster', async () => ((await readiness(host)).redis === 'ok' ? readiness(host) : undefined))).toEqual({ status: 'ready', redis: 'ok' });
      const conversationId = await sessionTurns(host);
      expect(await cluster.get('cluster-test:session:default:web:c-1:u-1')).toBe(JSON.stringify({ conversation_id: conversationId }));
      // The rate-limit bucket (one Lua script on one key) lives in the cluster: the burst runs out.
      const statuses = [];
      for (let index = 0; index < 6; index += 1) statuses.push((await twirpJson(host.url, 'ListConversations', {})).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.at(-1)).toBe(429);
      expect(await cluster.exists('cluster-test:rl:requests:ip:127.0.0.1')).toBe(1);
    } finally {
      await host.close();
    }
  });
});
