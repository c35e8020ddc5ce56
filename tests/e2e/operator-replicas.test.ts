// Operator switches that hold for every replica and across restarts: two hosts built like `npm start`
// over one store. With Redis, a switch on one reaches the other by pub/sub (polling is set far out, so it
// cannot be what delivers it); without Redis, by polling the store; and on the embedded store too. The
// first case runs once more with the hosts as separate `npm start` processes, talking over HTTP.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireMongoUrl, requireRedisUrl, uniqueName, mongoUrlWithDatabase } from '../support/env.js';
import { startPrivateRedis } from '../support/redis-server.js';
import { TEST_TIMEOUT_MS, WAIT } from '../support/timing.js';
import { startHostProcess, type HostProcess } from './edge-support.js';
import { ACME_ADMIN_KEY, OPERATOR_SUITE_KEYS, OPS_ADMIN_KEY, pluginNamed, startReplica, type ReplicaHost } from './operator-support.js';
import { adminJson } from './plugins-workspace.js';
import { bearer } from './host-support.js';
import { createPluginsWorkspace, DATETIME_ENTRY, type PluginsWorkspace } from './plugins-workspace.js';

const HOLIDAYS_ENTRY = { name: 'holidays', package: '@acai/plugin-holidays', version: '^1.0.0' } as const;

let workspace: PluginsWorkspace;
const running: ReplicaHost[] = [];

beforeAll(async () => {
  workspace = await createPluginsWorkspace([DATETIME_ENTRY, HOLIDAYS_ENTRY]);
});
afterEach(async () => {
  for (const replica of running.splice(0)) await replica.close();
});
afterAll(async () => {
  await workspace?.close();
});

async function replica(env: Record<string, string | undefined>): Promise<ReplicaHost> {
  const host = await startReplica({ PLUGINS_CONFIG: workspace.configPath, ...env });
  running.push(host);
  return host;
}

async function restart(host: ReplicaHost, env: Record<string, string | undefined>): Promise<ReplicaHost> {
  running.splice(running.indexOf(host), 1);
  await host.close();
  return replica(env);
}

const isSync = (event: { trigger: string; outcome: string }) => event.trigger === 'sync' && event.outcome === 'ok';

/** The disable → seen elsewhere → restart → clear story, on whichever shared store `env` names. */
async function switchSurvivesReplicasAndRestarts(env: () => Record<string, string | undefined>): Promise<void> {
  const shared = env();
  let a = await replica(shared);
  let b = await replica(shared);

  const seenByB = b.nextReload(isSync, 'B applies the override set on A');
  const disabled = await a.admin('DisablePlugin', { name: 'holidays' });
  expect(disabled).toMatchObject({ status: 200, body: { plugin: { name: 'holidays', state: 'DISABLED', enabled_override: { set_by: { key_id: expect.stringMatching(/^env_/), tenant_id: 'ops', source: 'api_key' } } } } });
  await seenByB;
  const onB = pluginNamed((await b.admin('ListPlugins')).body, 'holidays');
  expect(onB).toMatchObject({ state: 'DISABLED', file_enabled: true, enabled_override: { set_by: { tenant_id: 'ops' } } });
  expect(onB?.enabled_override?.enabled).toBeUndefined(); // false is left out of proto3 JSON
  expect(Date.parse(onB?.enabled_override?.set_time as string)).not.toBeNaN();
  expect(b.app.pluginHost.listModelTools().some((tool) => tool.function.name.startsWith('holidays__'))).toBe(false);

  // both restart (fresh data directories: the switch lives in the store) and come up with the plugin off
  a = await restart(a, shared);
  b = await restart(b, shared);
  for (const host of [a, b]) {
    expect(host.app.pluginHost.generation).toBe(1);
    expect(host.app.pluginHost.listPlugins().find((plugin) => plugin.name === 'holidays')?.state).toBe('disabled');
    expect(pluginNamed((await host.admin('ListPlugins')).body, 'holidays')).toMatchObject({ state: 'DISABLED', enabled_override: { set_by: { tenant_id: 'ops' } } });
  }

  // another admin clears it on B; A follows, and the file decides again
  const enabledOnA = a.nextReload(isSync, 'A applies the override cleared on B');
  expect(await b.admin('ClearPluginOverride', { name: 'holidays' }, ACME_ADMIN_KEY)).toMatchObject({ status: 200, body: { plugin: { state: 'ACTIVE' } } });
  await enabledOnA;
  const cleared = pluginNamed((await a.admin('ListPlugins')).body, 'holidays');
  expect(cleared).toMatchObject({ state: 'ACTIVE', file_enabled: true });
  expect(cleared?.enabled_override).toBeUndefined();

  // a breaker reset on A is recorded for B (B's own breaker is closed already: only the record shows)
  expect((await a.admin('ResetBreaker', { name: 'datetime' })).status).toBe(200);
  await vi.waitFor(async () => expect(pluginNamed((await b.admin('ListPlugins')).body, 'datetime')?.last_breaker_reset?.reset_by).toMatchObject({ tenant_id: 'ops' }), WAIT);
}

describe('operator overrides across replicas', () => {
  it('with Redis: a disable on one replica reaches the other by pub/sub and survives both restarting', async () => {
    const database = uniqueName('e2e_replicas');
    const env = { MONGODB_URL: mongoUrlWithDatabase(database), MONGODB_DATABASE: database, REDIS_URL: requireRedisUrl(), REDIS_KEY_PREFIX: `${database}:`, PLUGINS_OVERRIDES_POLL_MS: '600000' };
    await switchSurvivesReplicasAndRestarts(() => env);
  });

  it('without Redis: replicas find the switch by polling the store', async () => {
    requireMongoUrl();
    const database = uniqueName('e2e_replicas_poll');
    const env = { MONGODB_URL: mongoUrlWithDatabase(database), MONGODB_DATABASE: database, PLUGINS_OVERRIDES_POLL_MS: '200' };
    await switchSurvivesReplicasAndRestarts(() => env);
  });

  it('on the embedded store: two hosts on one data directory share the switch by polling', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'acai-replicas-embedded-'));
    try {
      await switchSurvivesReplicasAndRestarts(() => ({ ACAI_DATA_DIR: dataDir, PLUGINS_OVERRIDES_POLL_MS: '200' }));
    } finally {
      for (const replicaHost of running.splice(0)) await replicaHost.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a replica starts while Redis is down, and catches up on what it missed as soon as Redis is back', async () => {
    const redis = await startPrivateRedis();
    try {
      const database = uniqueName('e2e_replicas_redis_down');
      const env = { MONGODB_URL: mongoUrlWithDatabase(database), MONGODB_DATABASE: database, REDIS_URL: redis.url, REDIS_KEY_PREFIX: `${database}:`, PLUGINS_OVERRIDES_POLL_MS: '600000' };
      const a = await replica(env);
      await redis.kill();
      // B starts without Redis (its start does not wait for it), then A switches holidays off: no notice gets through.
      const b = await replica(env);
      expect((await a.admin('DisablePlugin', { name: 'holidays' })).status).toBe(200);
      expect(b.app.pluginHost.listPlugins().find((plugin) => plugin.name === 'holidays')?.state).toBe('loaded');
      // When Redis is back, B's subscription comes up and B re-reads the store.
      const caughtUp = b.nextReload(isSync, 'B re-reads the store once Redis is back');
      await redis.restart();
      await caughtUp;
      expect(b.app.pluginHost.listPlugins().find((plugin) => plugin.name === 'holidays')?.state).toBe('disabled');
      // and from now on B hears the notices (polling is too far out to be what delivers this one)
      const heard = b.nextReload(isSync, 'B hears the next notice');
      await vi.waitFor(() => a.app.keyValueStore.ping(), WAIT); // A's own connection is back too
      expect((await a.admin('EnablePlugin', { name: 'holidays' })).status).toBe(200);
      await heard;
      expect(b.app.pluginHost.listPlugins().find((plugin) => plugin.name === 'holidays')?.state).toBe('loaded');
    } finally {
      for (const host of running.splice(0)) await host.close();
      await redis.stop();
    }
  });

  it('a switch another replica cannot load leaves that replica on its set, and it is not retried until the switch changes', async () => {
    const database = uniqueName('e2e_replicas_refuse');
    const env = { MONGODB_URL: mongoUrlWithDatabase(database), MONGODB_DATABASE: database, REDIS_URL: requireRedisUrl(), REDIS_KEY_PREFIX: `${database}:`, PLUGINS_OVERRIDES_POLL_MS: '100' };
    // Both files have holidays switched off; on B it is a required plugin that cannot load.
    const configA = join(workspace.dir, 'plugins.a.json');
    const configB = join(workspace.dir, 'plugins.b.json');
    await writeFile(configA, JSON.stringify({ plugins: [DATETIME_ENTRY, { ...HOLIDAYS_ENTRY, enabled: false }] }));
    await writeFile(configB, JSON.stringify({ plugins: [DATETIME_ENTRY, { name: 'holidays', path: workspace.fixture('throw-on-import'), required: true, enabled: false }] }));
    const a = await replica({ ...env, PLUGINS_CONFIG: configA });
    const b = await replica({ ...env, PLUGINS_CONFIG: configB });

    const refusedOnB = b.nextReload((event) => event.trigger === 'sync', 'B tries the switch');
    expect(await a.admin('EnablePlugin', { name: 'holidays' })).toMatchObject({ status: 200, body: { plugin: { state: 'ACTIVE' } } });
    expect((await refusedOnB).outcome).toBe('refused');
    expect(b.app.pluginHost.listPlugins().find((plugin) => plugin.name === 'holidays')?.state).toBe('disabled');
    await vi.waitFor(() => expect(b.logLines.some((line) => line.msg === 'operator overrides from the store were refused here; this replica keeps its plugin set until they change')).toBe(true), WAIT);

    // B keeps syncing (a breaker reset on A reaches it), but does not try the refused switch again
    expect((await a.admin('ResetBreaker', { name: 'datetime' })).status).toBe(200);
    await vi.waitFor(async () => expect(pluginNamed((await b.admin('ListPlugins')).body, 'datetime')?.last_breaker_reset).toBeDefined(), WAIT);
    expect(b.reloads.filter((event) => event.trigger === 'sync').map((event) => event.outcome)).toEqual(['refused']);

    // a new switch is tried: switching it off again is what B serves already, so B has nothing to reload
    expect((await a.admin('DisablePlugin', { name: 'holidays' })).status).toBe(200);
    // (the enable's record already names who set it, so wait for B to hold the new switch itself)
    await vi.waitFor(() => expect(b.app.pluginHost.overrides.get('holidays')).toBe(false), WAIT);
    const onB = pluginNamed((await b.admin('ListPlugins')).body, 'holidays');
    expect(onB).toMatchObject({ state: 'DISABLED', enabled_override: { set_by: { tenant_id: 'ops' } } });
    expect(onB?.enabled_override?.enabled).toBeUndefined(); // false is left out of proto3 JSON
    expect(b.reloads.filter((event) => event.trigger === 'sync').map((event) => event.outcome)).toEqual(['refused']);
  });

  it('as two host processes sharing FerretDB and Redis: a disable on one is seen by the other and survives both restarting', async () => {
    const database = uniqueName('e2e_replica_procs');
    const dataRoot = await mkdtemp(join(tmpdir(), 'acai-replica-procs-'));
    const env = (name: string) => ({
      PLUGINS_CONFIG: workspace.configPath,
      ACAI_DATA_DIR: join(dataRoot, name),
      ACAI_API_KEYS: OPERATOR_SUITE_KEYS,
      MONGODB_URL: mongoUrlWithDatabase(database),
      MONGODB_DATABASE: database,
      REDIS_URL: requireRedisUrl(),
      REDIS_KEY_PREFIX: `${database}:`,
      // far out: only the pub/sub notice can deliver the switch within the test
      PLUGINS_OVERRIDES_POLL_MS: '3600000',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
    });
    const processes: HostProcess[] = [];
    const start = async (name: string) => {
      const started = await startHostProcess(env(name));
      processes.push(started);
      return started;
    };
    const holidaysOn = async (host: HostProcess) => {
      const listed = await adminJson(host.url, 'ListPlugins', {}, bearer(OPS_ADMIN_KEY));
      expect(listed.status).toBe(200);
      return pluginNamed(listed.body, 'holidays');
    };
    try {
      // Each host subscribes before it listens, so once both listen a notice from either reaches the other.
      let [a, b] = await Promise.all([start('a'), start('b')]);
      const disabled = await adminJson(a.url, 'DisablePlugin', { name: 'holidays' }, bearer(OPS_ADMIN_KEY));
      expect(disabled).toMatchObject({ status: 200, body: { plugin: { state: 'DISABLED' } } });
      await vi.waitFor(async () => expect(await holidaysOn(b)).toMatchObject({ state: 'DISABLED', file_enabled: true, enabled_override: { set_by: { tenant_id: 'ops' } } }), WAIT);
      expect(b.logs().some((line) => line.msg === 'applied operator overrides set on another replica')).toBe(true);

      // both stop (SIGTERM, clean exits) and start again on fresh data directories: the switch is in the store
      expect(await Promise.all(processes.splice(0).map((host) => host.stop()))).toEqual([0, 0]);
      [a, b] = await Promise.all([start('a2'), start('b2')]);
      for (const host of [a, b]) expect(await holidaysOn(host)).toMatchObject({ state: 'DISABLED', enabled_override: { set_by: { tenant_id: 'ops' } } });

      // cleared on B, A follows
      expect(await adminJson(b.url, 'ClearPluginOverride', { name: 'holidays' }, bearer(OPS_ADMIN_KEY))).toMatchObject({ status: 200, body: { plugin: { state: 'ACTIVE' } } });
      await vi.waitFor(async () => expect(await holidaysOn(a)).toMatchObject({ state: 'ACTIVE' }), WAIT);
      expect((await holidaysOn(a))?.enabled_override).toBeUndefined();
    } finally {
      for (const host of processes.splice(0)) await host.stop();
      await rm(dataRoot, { recursive: true, force: true });
    }
    // four host processes start (two at a time): half a minute each round on a loaded 2-core machine
  }, 2 * TEST_TIMEOUT_MS);
});
