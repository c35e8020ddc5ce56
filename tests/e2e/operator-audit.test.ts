// The audit trail on the real host: every operator action (admin API, console sign-in, config reloads by
// the host itself, `acai keys` on the store) is recorded with who, what, when, from where and the outcome,
// read back through acai.admin.AuditService scoped to the caller's tenant, paged and filtered, and refused
// with invalid_argument for hostile input. On MongoDB (FerretDB) and on the embedded store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongoUrlWithDatabase, requireRedisUrl, uniqueName } from '../support/env.js';
import { runAcai } from './cli-support.js';
import { ACME_ADMIN_KEY, ACME_CHAT_KEY, OPS_ADMIN_KEY, startReplica, type ReplicaHost } from './operator-support.js';
import { createPluginsWorkspace, DATETIME_ENTRY, type PluginsWorkspace } from './plugins-workspace.js';

const HOLIDAYS_ENTRY = { name: 'holidays', package: '@acai/plugin-holidays', version: '^1.0.0' } as const;

type Entry = Record<string, any>;

/** Every entry the key may read, page by page (pages of `pageSize`). */
async function readAll(host: ReplicaHost, key: string, filters: Record<string, unknown> = {}, pageSize = 3): Promise<Entry[]> {
  const entries: Entry[] = [];
  let pageToken = '';
  for (let pages = 0; pages < 200; pages += 1) {
    const page = await host.admin('ListAuditEntries', { ...filters, page_size: pageSize, ...(pageToken === '' ? {} : { page_token: pageToken }) }, key, 'AuditService');
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    entries.push(...((page.body.entries as Entry[] | undefined) ?? []));
    pageToken = (page.body.next_page_token as string | undefined) ?? '';
    if (pageToken === '') return entries;
  }
  throw new Error('paging did not end');
}

/** The story every store must tell: each kind of action, then reads scoped, paged and filtered. */
async function recordsEveryAction(host: ReplicaHost, workspace: PluginsWorkspace, storeEnv: Record<string, string>): Promise<void> {
  // console sign-ins: recorded for admin keys only
  const signIn = await host.app.server.inject({ method: 'POST', url: '/auth/sign-in', headers: { authorization: `Bearer ${OPS_ADMIN_KEY}`, 'x-forwarded-for': '203.0.113.50' } });
  expect(signIn.statusCode).toBe(200);
  expect(signIn.json()).toMatchObject({ tenant_id: 'ops', scopes: ['admin', 'metrics'], source: 'api_key' });
  expect((await host.app.server.inject({ method: 'POST', url: '/auth/sign-in', headers: { authorization: `Bearer ${ACME_CHAT_KEY}` } })).statusCode).toBe(200);
  expect((await host.app.server.inject({ method: 'POST', url: '/auth/sign-in', headers: { authorization: 'Bearer acai_not_a_key_000000000000000000' } })).statusCode).toBe(401);

  // plugin switches by two tenants' admins, one refused
  expect((await host.admin('DisablePlugin', { name: 'holidays' })).status).toBe(200);
  expect((await host.admin('EnablePlugin', { name: 'holidays' }, ACME_ADMIN_KEY)).status).toBe(200);
  expect((await host.admin('ResetBreaker', { name: 'datetime' })).status).toBe(200);
  expect((await host.admin('ClearPluginOverride', { name: 'holidays' })).status).toBe(200);
  expect((await host.admin('ResetBreaker', { name: 'no-such-plugin' })).status).toBe(404);

  // the file changes: an admin reload adds a plugin, the host's own watcher removes it
  await workspace.writeConfig([DATETIME_ENTRY, HOLIDAYS_ENTRY, { name: 'forecast', tarball: workspace.tarball('1.0.0'), mode: 'worker' }]);
  expect((await host.admin('ReloadPlugins')).body).toMatchObject({ added: ['forecast'] });
  const watch = host.app.watchPluginsConfig();
  const removed = host.nextReload((event) => event.trigger === 'file', 'the watcher removes forecast');
  await workspace.writeConfig([DATETIME_ENTRY, HOLIDAYS_ENTRY]);
  expect((await removed).outcome).toBe('ok');
  watch.close();

  // API keys made and revoked with the CLI on the host's store
  const cliEnv = { ...storeEnv, ACAI_DATA_DIR: host.dataDir };
  const created = await runAcai(['keys', 'create', '--tenant', 'acme', '--scopes', 'chat', '--label', 'audit suite', '--json'], { env: cliEnv });
  expect(created.code, created.stderr).toBe(0);
  const keyId = (JSON.parse(created.stdout) as { id: string }).id;
  expect((await runAcai(['keys', 'revoke', keyId], { env: cliEnv })).code).toBe(0);

  const all = await readAll(host, OPS_ADMIN_KEY);
  const actions = all.map((entry) => `${entry.action}:${entry.outcome}`).reverse();
  expect(actions).toEqual([
    'console.sign_in:ok',
    'plugin.disable:ok',
    'plugin.enable:ok',
    'plugin.reset_breaker:ok',
    'plugin.clear_override:ok',
    'config.reload:ok',
    'plugin.add:ok',
    'config.reload:ok',
    'plugin.remove:ok',
    'api_key.create:ok',
    'api_key.revoke:ok',
  ]);
  const [signInEntry] = all.slice(-1);
  // X-Forwarded-For from an untrusted peer is not believed: the socket address is recorded
  expect(signInEntry).toMatchObject({ actor: { key_id: expect.stringMatching(/^env_/), tenant_id: 'ops', source: 'api_key' }, tenant_id: 'ops', client_address: '127.0.0.1' });
  const byAction = (action: string) => all.find((entry) => entry.action === action)!;
  expect(byAction('plugin.enable')).toMatchObject({ tenant_id: 'acme', target: 'holidays', actor: { tenant_id: 'acme' } });
  expect(byAction('plugin.add')).toMatchObject({ target: 'forecast', actor: { tenant_id: 'ops' }, details: { trigger: 'admin' } });
  expect(byAction('plugin.remove')).toMatchObject({ target: 'forecast', actor: { source: 'host' }, details: { trigger: 'file' } });
  expect(byAction('plugin.remove').tenant_id).toBeUndefined(); // the host's own: no tenant (left out of proto3 JSON)
  const adminReload = all.find((entry) => entry.action === 'config.reload' && entry.details?.trigger === 'admin')!;
  expect(adminReload.details).toMatchObject({ changes: { added: ['forecast'], removed: [], changed: [] }, loaded: { added: ['forecast'] } });
  expect(byAction('api_key.create')).toMatchObject({ target: keyId, tenant_id: 'acme', actor: { source: 'cli', name: expect.stringContaining('@') }, details: { scopes: ['chat'], label: 'audit suite' } });
  expect(byAction('api_key.revoke')).toMatchObject({ target: keyId, tenant_id: 'acme' });
  expect(all.every((entry) => Date.parse(entry.time) > 0 && /^[0-9a-f]{24}$/.test(entry.id))).toBe(true);
  // the failed lookup of an unknown plugin is no action on the host
  expect(all.some((entry) => entry.target === 'no-such-plugin')).toBe(false);

  // a tenant admin reads its own tenant's entries only
  const acme = await readAll(host, ACME_ADMIN_KEY, {}, 2);
  expect(acme.map((entry) => entry.action).sort()).toEqual(['api_key.create', 'api_key.revoke', 'plugin.enable']);
  expect((await host.admin('ListAuditEntries', { tenant_id: 'ops' }, ACME_ADMIN_KEY, 'AuditService')).status).toBe(403);
  expect((await host.admin('ListAuditEntries', {}, ACME_CHAT_KEY, 'AuditService')).status).toBe(403);
  expect((await host.admin('ListAuditEntries', {}, null, 'AuditService')).status).toBe(401);

  // filters, alone and together
  expect((await readAll(host, OPS_ADMIN_KEY, { actions: ['plugin.add', 'plugin.remove'] })).map((entry) => entry.action)).toEqual(['plugin.remove', 'plugin.add']);
  expect((await readAll(host, OPS_ADMIN_KEY, { tenant_id: 'acme', actions: ['api_key.create'] })).length).toBe(1);
  expect((await readAll(host, OPS_ADMIN_KEY, { actor_key_id: signInEntry!.actor.key_id })).every((entry) => entry.actor.key_id === signInEntry!.actor.key_id)).toBe(true);
  const adminReloadTime = Date.parse(adminReload.time);
  const since = await readAll(host, OPS_ADMIN_KEY, { since: new Date(adminReloadTime).toISOString() });
  expect(since.every((entry) => Date.parse(entry.time) >= adminReloadTime)).toBe(true);
  expect(await readAll(host, OPS_ADMIN_KEY, { until: '2001-01-01T00:00:00Z' })).toEqual([]);

  // hostile input: refused as invalid_argument, never echoed, and the host keeps serving
  const hostile: Array<Record<string, unknown>> = [
    { page_token: 'not-a-token' },
    { page_token: Buffer.from(JSON.stringify({ t: 1, i: { $gt: '' } })).toString('base64url') },
    { page_token: 'A'.repeat(5_000) },
    { actions: Array.from({ length: 5_000 }, () => 'plugin.disable') },
    { actions: ["plugin.disable'; DROP TABLE audit_log; --"] },
    { actor_key_id: '{"$ne":null}' },
    { tenant_id: "' OR 1=1 --" },
    { page_size: 100_000 },
    { since: '2030-01-01T00:00:00Z', until: '2020-01-01T00:00:00Z' },
  ];
  for (const body of hostile) {
    const answer = await host.admin('ListAuditEntries', body, OPS_ADMIN_KEY, 'AuditService');
    expect(answer, JSON.stringify(body).slice(0, 60)).toMatchObject({ status: 400, body: { code: 'invalid_argument' } });
    expect(JSON.stringify(answer.body)).not.toMatch(/DROP TABLE|\$ne|OR 1=1/);
  }
  expect((await host.admin('ListAuditEntries', { since: 'yesterday' }, OPS_ADMIN_KEY, 'AuditService')).status).toBe(400);
  expect((await host.admin('ListAuditEntries', '{"page_size": 5,', OPS_ADMIN_KEY, 'AuditService')).status).toBeGreaterThanOrEqual(400);
  expect((await readAll(host, OPS_ADMIN_KEY)).length).toBe(all.length);

  // each entry also went out as a structured log line
  const auditLines = host.logLines.filter((line) => typeof line.audit === 'object');
  expect(auditLines.map((line) => (line.audit as { action: string }).action)).toEqual(expect.arrayContaining(['console.sign_in', 'plugin.disable', 'plugin.add', 'plugin.remove', 'config.reload']));
}

describe('the audit trail', () => {
  let workspace: PluginsWorkspace;
  const hosts: ReplicaHost[] = [];

  beforeAll(async () => {
    workspace = await createPluginsWorkspace([DATETIME_ENTRY, HOLIDAYS_ENTRY]);
  });
  afterAll(async () => {
    for (const host of hosts) await host.close();
    await workspace?.close();
  });

  it('on MongoDB: records every operator action and reads it back scoped, paged and filtered', async () => {
    await workspace.writeConfig([DATETIME_ENTRY, HOLIDAYS_ENTRY]);
    const database = uniqueName('e2e_audit');
    const storeEnv = { MONGODB_URL: mongoUrlWithDatabase(database), MONGODB_DATABASE: database };
    const host = await startReplica({ PLUGINS_CONFIG: workspace.configPath, PLUGINS_WATCH_DEBOUNCE_MS: '50', REDIS_URL: requireRedisUrl(), REDIS_KEY_PREFIX: `${database}:`, ...storeEnv });
    hosts.push(host);
    await recordsEveryAction(host, workspace, storeEnv);
  });

  it('on the embedded store: the same, with the CLI writing to the host’s data directory', async () => {
    await workspace.writeConfig([DATETIME_ENTRY, HOLIDAYS_ENTRY]);
    const dataDir = await mkdtemp(join(tmpdir(), 'acai-audit-embedded-'));
    try {
      const host = await startReplica({ PLUGINS_CONFIG: workspace.configPath, PLUGINS_WATCH_DEBOUNCE_MS: '50', ACAI_DATA_DIR: dataDir });
      hosts.push(host);
      await recordsEveryAction(host, workspace, {});
    } finally {
      for (const host of hosts.splice(0)) await host.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('records the client address behind a trusted proxy, as the rate limit and auth see it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'acai-audit-proxy-'));
    try {
      const host = await startReplica({ PLUGINS_CONFIG: workspace.configPath, ACAI_DATA_DIR: dataDir, ACAI_TRUSTED_PROXIES: '127.0.0.1/32' });
      hosts.push(host);
      await host.app.server.inject({ method: 'POST', url: '/twirp/acai.admin.PluginService/DisablePlugin', headers: { authorization: `Bearer ${OPS_ADMIN_KEY}`, 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.4, 203.0.113.50' }, payload: '{"name":"holidays"}' });
      const [entry] = await readAll(host, OPS_ADMIN_KEY);
      expect(entry).toMatchObject({ action: 'plugin.disable', client_address: '203.0.113.50' });
    } finally {
      for (const host of hosts.splice(0)) await host.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
