// The hostile suite under DEFAULT settings (no mode, no isolation or sandbox setting, only the operator's
// grant): a third-party JS plugin and stdio MCP servers in Node and in Python try to take the host's
// secrets on a real host process (core/src/main.ts, with secrets planted in its environment, its home
// directory and its data directory), driven by chat turns through the fake OpenAI. Each attempt must end
// as a named error the model reads while the host keeps serving (datetime answers in the same turn), and
// at the end no secret may be found in anything the model, the client, the store or the logs got.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { requireMongoUrl, requireRedisUrl, uniqueName } from '../support/env.js';
import { FIXTURE_SERVER_READ_PATHS } from '../support/plugin-grants.js';
import { CALL_DEADLINE_MS, HOOK_TIMEOUT_MS, START_UP_DEADLINE_MS } from '../support/timing.js';
import { startHostProcess, type HostProcess } from './edge-support.js';
import { bearer, fakeModelEnv, toolCallingModel, twirpJson } from './host-support.js';
import { adminJson, listedPlugin } from './plugins-workspace.js';

const CHAT_KEY = 'acai_e2e_sandbox_suite_chat_key_0123456789';
const ADMIN_KEY = 'acai_e2e_sandbox_suite_ops_key_01234567890';
const TIME_TOOL = 'datetime__get_current_time';
const DATETIME_PLUGIN = fileURLToPath(new URL('../../plugins/datetime', import.meta.url));
const SNOOP = fileURLToPath(new URL('../fixtures/hostile-plugins/snoop', import.meta.url));
const NODE_SERVER = fileURLToPath(new URL('../fixtures/mcp-servers/hostile-server.js', import.meta.url));
const PYTHON_SERVER = fileURLToPath(new URL('../fixtures/mcp-servers/hostile_server.py', import.meta.url));

/** Planted where a plugin must never reach: the host's environment, its home directory, its data directory. */
const ENV_CANARY = `env-canary-${randomUUID()}`;
const HOME_CANARY = `home-canary-${randomUUID()}`;
const DATA_CANARY = `data-canary-${randomUUID()}`;
const CANARIES = [ENV_CANARY, HOME_CANARY, DATA_CANARY];

/** The three hostile plugins: their names, and how they name a file system or network error they run into. */
const HOSTILE = ['snoop', 'hostile-node', 'hostile-python'] as const;
type Hostile = (typeof HOSTILE)[number];

const scriptedModel = toolCallingModel('Sandbox Suite');

let fake: FakeOpenAIServer;
let granted: Server;
let grantedPort: number;
let root: string;
let home: string;
let dataDir: string;
let configPath: string;
let redisPort: number;
let mongoPort: number;
let host: HostProcess;
/** Every response body the client got, for the final search. */
const clientSaw: string[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedModel);
  granted = createServer((request, response) => response.end(`granted-ok ${request.url}`));
  granted.listen(0, '127.0.0.1');
  await once(granted, 'listening');
  grantedPort = (granted.address() as AddressInfo).port;
  redisPort = Number(new URL(requireRedisUrl()).port || 6379);
  mongoPort = Number(new URL(requireMongoUrl()).port || 27017);

  root = await mkdtemp(join(tmpdir(), 'acai-sandbox-suite-'));
  home = join(root, 'home');
  dataDir = join(root, 'data');
  await mkdir(join(home, '.ssh'), { recursive: true });
  await writeFile(join(home, '.ssh', 'id_ed25519'), `-----BEGIN OPENSSH PRIVATE KEY-----\n${HOME_CANARY}\n-----END OPENSSH PRIVATE KEY-----\n`);
  await mkdir(dataDir);
  await writeFile(join(dataDir, 'canary.txt'), DATA_CANARY);
  configPath = join(root, 'config', 'plugins.config.json');
  await mkdir(join(root, 'config'));
  const network = [`127.0.0.1:${grantedPort}`];
  const serverRead = [...FIXTURE_SERVER_READ_PATHS];
  await writeFile(
    configPath,
    JSON.stringify({
      defaults: { policy: { timeoutMs: CALL_DEADLINE_MS, setupTimeoutMs: START_UP_DEADLINE_MS, breaker: { failureThreshold: 1_000, halfOpenAfterMs: 600_000 } } },
      plugins: [
        // First-party: the shipped package, found where the host's own plugins are.
        { name: 'datetime', path: DATETIME_PLUGIN },
        // Default settings: no mode, no sandbox; the grant is exactly what the manifest asks for.
        { name: 'snoop', path: SNOOP, permissions: { network: ['127.0.0.1'], scratch: { sizeMb: 1 } } },
        { name: 'hostile-node', mcp: { command: process.execPath, args: [NODE_SERVER], permissions: { read: serverRead, network } }, permissions: { read: serverRead, network } },
        { name: 'hostile-python', mcp: { command: '/usr/bin/python3', args: [PYTHON_SERVER], permissions: { read: serverRead, network } }, permissions: { read: serverRead, network } },
      ],
    }),
  );
  host = await startHostProcess({
    ...fakeModelEnv(fake),
    HOME: home,
    ACAI_DATA_DIR: dataDir,
    PLUGINS_CONFIG: configPath,
    ACAI_TEST_CANARY: ENV_CANARY,
    REDIS_URL: requireRedisUrl(),
    REDIS_KEY_PREFIX: `${uniqueName('e2e_sandbox')}:`,
    ACAI_API_KEYS: `${CHAT_KEY}:tenant-s:chat,${ADMIN_KEY}:ops:admin`,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_BURST: '100000',
    PLUGINS_WATCH: 'off',
  });
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  await host?.stop();
  await fake?.close();
  granted?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

interface TurnToolCall {
  readonly name: string;
  readonly plugin?: string;
  readonly outcome: string;
  readonly result?: string;
}

/** One chat turn in which the model calls `<plugin>__<tool>` with `args` and datetime; returns the hostile call. */
async function attempt(plugin: Hostile, tool: string, args: Record<string, unknown>): Promise<TurnToolCall> {
  const exposed = `${plugin}__${tool}`;
  const response = await twirpJson(host.url, 'StartConversation', { message: `call ${exposed} ${JSON.stringify(args)} and tell the time` }, bearer(CHAT_KEY));
  clientSaw.push(JSON.stringify(response.body));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const calls = (response.body as { tool_calls?: TurnToolCall[] }).tool_calls ?? [];
  // The host keeps serving: the neighbour in the same turn answers.
  expect(calls.find((call) => call.name === TIME_TOOL)).toMatchObject({ plugin: 'datetime', outcome: 'ok' });
  const call = calls.find((candidate) => candidate.name === exposed);
  expect(call, `${exposed} was not called: ${JSON.stringify(calls)}`).toBeDefined();
  return call!;
}

/** A refused attempt: a failure the model reads, with the plugin's error code and the system's answer in it. */
function expectRefused(call: TurnToolCall, systemAnswer: RegExp): void {
  expect(call.outcome, call.result).not.toBe('ok');
  const result = JSON.parse(call.result ?? '{}') as { error?: { code?: string; message?: string } };
  expect(result.error?.code, call.result).toMatch(/^(INTERNAL|UPSTREAM_FAILED|FORBIDDEN)$/);
  expect(result.error?.message, call.result).toMatch(systemAnswer);
  for (const canary of CANARIES) expect(call.result).not.toContain(canary);
}

/** Whether a TCP connection to the loopback port opens from the test's own process (outside any sandbox). */
async function canConnect(port: number): Promise<boolean> {
  const socket = connect({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

const NOT_THERE = /ENOENT|No such file|FileNotFoundError/;
const DENIED = /ENOENT|EACCES|EROFS|No such file|Permission denied|Read-only file system|FileNotFoundError|PermissionError|OSError/;

describe.each(HOSTILE)('a hostile %s under default settings', (plugin) => {
  it('runs in the sandbox, its request and grant shown', async () => {
    const listed = await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY));
    clientSaw.push(JSON.stringify(listed.body));
    const status = listedPlugin(listed.body, plugin);
    expect(status, JSON.stringify(listed.body)).toMatchObject({ state: 'ACTIVE', sandbox: 'bubblewrap' });
    expect(status?.granted_permissions?.network).toBeDefined();
    expect(listedPlugin(listed.body, 'datetime')).toMatchObject({ sandbox: 'none', sandbox_exemption: 'first-party' });
  });

  it('reads only its own environment from /proc: no host secret, and no parent to read', async () => {
    const own = await attempt(plugin, 'read_environ', { of: 'self' });
    for (const canary of CANARIES) expect(own.result).not.toContain(canary);
    expect(own.result).not.toContain(fake.apiKey);
    expectRefused(await attempt(plugin, 'read_environ', { of: 'parent' }), DENIED);
    expectRefused(await attempt(plugin, 'read_file', { path: `/proc/${host.child.pid}/environ` }), NOT_THERE);
  });

  it('cannot read the data directory, keys.db, the config or ~/.ssh', async () => {
    expectRefused(await attempt(plugin, 'list_dir', { path: dataDir }), NOT_THERE);
    expectRefused(await attempt(plugin, 'read_file', { path: join(dataDir, 'keys.db') }), NOT_THERE);
    expectRefused(await attempt(plugin, 'read_file', { path: join(dataDir, 'canary.txt') }), NOT_THERE);
    expectRefused(await attempt(plugin, 'read_file', { path: configPath }), NOT_THERE);
    expectRefused(await attempt(plugin, 'read_file', { path: join(home, '.ssh', 'id_ed25519') }), NOT_THERE);
  });

  it('cannot write outside its scratch directory', async () => {
    const outside = join(tmpdir(), `acai-sandbox-escape-${randomUUID()}`);
    expectRefused(await attempt(plugin, 'write_file', { path: outside }), DENIED);
    expectRefused(await attempt(plugin, 'write_file', { path: join(dataDir, 'planted') }), DENIED);
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(join(dataDir, 'planted'))).toBe(false);
  });

  it('cannot start a process', async () => {
    expectRefused(await attempt(plugin, 'spawn_child', {}), /EPERM|Operation not permitted/);
  });

  it.each(['Redis', 'MongoDB'] as const)('cannot open a raw TCP connection to the loopback %s', async (service) => {
    const port = service === 'Redis' ? redisPort : mongoPort;
    // The service does listen there: from the host's side the same connection opens.
    await expect(canConnect(port)).resolves.toBe(true);
    expectRefused(await attempt(plugin, 'connect_tcp', { host: '127.0.0.1', port }), /ECONNREFUSED|Connection refused/);
  });

  it('reaches a granted host, and nothing outside its grant', async () => {
    const inside = await attempt(plugin, 'fetch_url', { url: `http://127.0.0.1:${grantedPort}/inside` });
    expect(inside).toMatchObject({ outcome: 'ok' });
    expect(inside.result).toContain('200 granted-ok /inside');
    // The JS plugin's fetch runs host-side under its grant (a host it did not ask for is FORBIDDEN); a
    // server's connection finds nothing listening for a destination outside its grant.
    const outside = await attempt(plugin, 'fetch_url', { url: plugin === 'snoop' ? `http://localhost:${grantedPort}/outside` : `http://127.0.0.1:${redisPort}/outside` });
    expectRefused(outside, plugin === 'snoop' ? /not declared by this plugin/ : /fetch failed|Connection refused|ECONNREFUSED/);
  });
});

describe('the JS plugin’s own sockets', () => {
  it('do not get around its grant: node:net and node:http reach nothing, even the granted host', async () => {
    await expect(canConnect(grantedPort)).resolves.toBe(true);
    expectRefused(await attempt('snoop', 'connect_tcp', { host: '127.0.0.1', port: grantedPort }), /ECONNREFUSED/);
    expectRefused(await attempt('snoop', 'http_get', { url: `http://127.0.0.1:${grantedPort}/around` }), /ECONNREFUSED/);
    // The same host through the host-side fetch, under its grant.
    expect(await attempt('snoop', 'fetch_url', { url: `http://127.0.0.1:${grantedPort}/through` })).toMatchObject({ outcome: 'ok' });
  });
});

describe('the JS plugin’s scratch directory', () => {
  it('is writable, private and capped at its grant', async () => {
    expect(await attempt('snoop', 'write_file', { path: '/scratch/note' })).toMatchObject({ outcome: 'ok' });
    expectRefused(await attempt('snoop', 'fill_scratch', {}), /ENOSPC/);
  });
});

describe('after every attempt', () => {
  it('has let no secret reach the model, the client, the store or the logs', async () => {
    const secrets = [...CANARIES, fake.apiKey];
    const modelSaw = JSON.stringify(fake.completionBodies());
    expect(modelSaw).toContain('hostile-python__read_file'); // the suite did drive the model
    for (const secret of secrets) {
      expect(modelSaw, 'model').not.toContain(secret);
      for (const body of clientSaw) expect(body, 'client').not.toContain(secret);
      for (const line of host.lines) expect(line, 'logs').not.toContain(secret);
    }
    // The store: every file the host wrote into its data directory (the planted canary file aside).
    for (const file of await readdir(dataDir, { recursive: true })) {
      if (file === 'canary.txt') continue;
      const bytes = await readFile(join(dataDir, file)).catch(() => Buffer.alloc(0));
      for (const secret of secrets) expect(bytes.includes(Buffer.from(secret)), `store file ${file}`).toBe(false);
    }
  });
});
