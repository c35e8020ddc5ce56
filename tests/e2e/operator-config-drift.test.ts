// A refused plugins.config.json is drift, not a trap: /readyz and ListPlugins say so, a restart comes up on
// the last config that loaded (loudly), and fixing the file ends it. One change gives one reload; a write
// that changes nothing gives none, and a Kubernetes ConfigMap update is noticed.
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../core/src/app.js';
import { loadHostConfig } from '../../core/src/config/env-config.js';
import { OPS_ADMIN_KEY, pluginNamed, startReplica, type ReplicaHost } from './operator-support.js';
import { createPluginsWorkspace, DATETIME_ENTRY, type PluginsWorkspace } from './plugins-workspace.js';

const HOLIDAYS_ENTRY = { name: 'holidays', package: '@acai/plugin-holidays', version: '^1.0.0' } as const;

let workspace: PluginsWorkspace;
let dataDir: string;
const running: ReplicaHost[] = [];

beforeAll(async () => {
  workspace = await createPluginsWorkspace([DATETIME_ENTRY]);
});
afterEach(async () => {
  for (const host of running.splice(0)) await host.close();
  await rm(dataDir, { recursive: true, force: true });
});
afterAll(async () => {
  await workspace?.close();
});

async function host(env: Record<string, string> = {}): Promise<ReplicaHost> {
  const started = await startReplica({ PLUGINS_CONFIG: workspace.configPath, ACAI_DATA_DIR: dataDir, PLUGINS_WATCH_DEBOUNCE_MS: '50', ...env });
  running.push(started);
  return started;
}

const brokenRequired = () => ({ name: 'throw-on-import', path: workspace.fixture('throw-on-import'), required: true });
const pluginsCheck = (body: Record<string, any>) => (body.checks as Array<Record<string, any>>).find((check) => check.name === 'plugins');

describe('config drift and the last good config', () => {
  it('reports a refused file as drift, restarts on the last good config, and ends the drift when the file is fixed', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'acai-drift-'));
    await workspace.writeConfig([DATETIME_ENTRY]);
    let first = await host();
    const watch = first.app.watchPluginsConfig();
    const refused = first.nextReload((event) => event.trigger === 'file', 'the watcher loads the broken file');
    await workspace.writeConfig([DATETIME_ENTRY, brokenRequired()]);
    expect((await refused).outcome).toBe('refused');
    watch.close();

    const ready = await first.get('/readyz');
    expect(ready).toMatchObject({ status: 200, body: { status: 'degraded' } });
    expect(pluginsCheck(ready.body)).toMatchObject({ state: 'degraded', message: expect.stringContaining('drift: plugins.config.json refused (HOST_PLUGIN_REQUIRED_FAILED') });
    const listed = (await first.admin('ListPlugins')).body;
    expect(listed.drift).toMatchObject({ code: 'HOST_PLUGIN_REQUIRED_FAILED', trigger: 'file', reason: expect.stringContaining('throw-on-import') });
    expect(listed.drift.last_good_time).toBeUndefined();
    expect(listed.plugins.map((plugin: { name: string }) => plugin.name)).toEqual(['datetime']);
    // the refusal is in the audit trail, as the host's own action
    const audit = (await first.admin('ListAuditEntries', { actions: ['config.reload'] }, OPS_ADMIN_KEY, 'AuditService')).body;
    expect(audit.entries[0]).toMatchObject({ action: 'config.reload', outcome: 'refused', actor: { source: 'host' }, details: { trigger: 'file' }, message: expect.stringContaining('HOST_PLUGIN_REQUIRED_FAILED') });

    // a restart on the refused file comes up on the last good one, saying so loudly
    running.splice(0);
    await first.close();
    first = await host();
    expect(first.app.pluginHost.listPlugins().map((plugin) => [plugin.name, plugin.state])).toEqual([['datetime', 'loaded']]);
    expect(first.logLines.some((line) => line.level === 'error' && String(line.msg).includes('STARTING ON THE LAST CONFIG THAT LOADED'))).toBe(true);
    const restarted = (await first.admin('ListPlugins')).body;
    expect(restarted.drift).toMatchObject({ code: 'HOST_PLUGIN_REQUIRED_FAILED', trigger: 'startup' });
    expect(Date.parse(restarted.drift.last_good_time)).not.toBeNaN();
    expect(pluginsCheck((await first.get('/readyz')).body)).toMatchObject({ state: 'degraded', message: expect.stringContaining('drift') });
    // the saved copy holds the file as written: `${VAR}` references, never their values
    expect(await readFile(join(dataDir, 'last-good-plugins-config.json'), 'utf8')).toContain('plugin-datetime');

    // fixing the file ends the drift
    const watchAgain = first.app.watchPluginsConfig();
    const fixed = first.nextReload((event) => event.trigger === 'file', 'the watcher loads the fixed file');
    await workspace.writeConfig([DATETIME_ENTRY, HOLIDAYS_ENTRY]);
    expect((await fixed).outcome).toBe('ok');
    watchAgain.close();
    expect((await first.admin('ListPlugins')).body.drift).toBeUndefined();
    // (no model is configured in this suite, so /readyz as a whole stays degraded for that reason alone)
    expect(pluginsCheck((await first.get('/readyz')).body)).toMatchObject({ state: 'ok' });
  });

  it('exits on a refused file when there is no last good config, or the file is that config', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'acai-drift-'));
    await workspace.writeConfig([DATETIME_ENTRY, brokenRequired()]);
    const env = { PLUGINS_CONFIG: workspace.configPath, ACAI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    await expect(buildApp(loadHostConfig(env), { env })).rejects.toMatchObject({ code: 'HOST_PLUGIN_REQUIRED_FAILED' });
  });

  it('restores a file that was put back as it was: nothing to reload, and the drift ends', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'acai-drift-'));
    await workspace.writeConfig([DATETIME_ENTRY]);
    const original = await readFile(workspace.configPath, 'utf8');
    const started = await host();
    await workspace.writeConfig([DATETIME_ENTRY, brokenRequired()]);
    await expect(started.app.reloadPlugins('signal')).rejects.toMatchObject({ code: 'HOST_PLUGIN_REQUIRED_FAILED' });
    expect(started.app.pluginHost.drift?.trigger).toBe('signal');
    const watch = started.app.watchPluginsConfig();
    const restored = started.nextReload((event) => event.trigger === 'file', 'the watcher reads the restored file');
    await workspace.writeRaw(original);
    expect(await restored).toMatchObject({ outcome: 'skipped', generation: 1 });
    watch.close();
    expect(started.app.pluginHost.drift).toBeUndefined();
  });
});

describe('one change, one reload', () => {
  it('reloads once when a tool writes the file and asks the host to reload if changed (acai plugin add --url), and not at all for a write that changes nothing', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'acai-dedupe-'));
    await workspace.writeConfig([DATETIME_ENTRY]);
    const started = await host();
    const watch = started.app.watchPluginsConfig();
    try {
      const watcherSawIt = started.nextReload((event) => event.trigger === 'file', 'the watcher sees the new file');
      await workspace.writeConfig([DATETIME_ENTRY, HOLIDAYS_ENTRY]);
      const asked = await started.admin('ReloadPlugins', { if_changed: true });
      expect(asked.status).toBe(200);
      const watcherEvent = await watcherSawIt;
      expect(started.reloads.filter((event) => event.outcome === 'ok').length).toBe(1);
      expect(started.app.pluginHost.generation).toBe(2);
      // whichever came second found the file already serving
      expect(asked.body.skipped === true || watcherEvent.outcome === 'skipped').toBe(true);

      // the same settings written again, formatted differently: no reload
      const rewritten = started.nextReload((event) => event.trigger === 'file', 'the watcher sees the rewrite');
      await workspace.writeRaw(JSON.stringify(JSON.parse(await readFile(workspace.configPath, 'utf8'))));
      expect(await rewritten).toMatchObject({ outcome: 'skipped', generation: 2 });
      expect(started.app.pluginHost.generation).toBe(2);

      // an explicit reload still reloads (a path plugin may have been rebuilt under the same file)
      expect((await started.admin('ReloadPlugins')).body).toMatchObject({ generation: '3' });
      expect((await started.admin('ReloadPlugins', { if_changed: true })).body).toMatchObject({ generation: '3', skipped: true });
    } finally {
      watch.close();
    }
  });

  it('notices a Kubernetes ConfigMap update, where the file is a symlink through ..data', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'acai-configmap-'));
    const volume = join(dataDir, 'config-volume');
    await mkdir(volume);
    const writeVersion = async (name: string, plugins: unknown[]) => {
      await mkdir(join(volume, name));
      await writeFile(join(volume, name, 'plugins.config.json'), JSON.stringify({ plugins }));
    };
    await writeVersion('..2025_03_01_10_00_00.1', [{ ...DATETIME_ENTRY, package: '@acai/plugin-datetime' }]);
    await symlink('..2025_03_01_10_00_00.1', join(volume, '..data'));
    await symlink('..data/plugins.config.json', join(volume, 'plugins.config.json'));
    await symlink(join(workspace.dir, 'node_modules'), join(volume, 'node_modules'));
    const started = await host({ PLUGINS_CONFIG: join(volume, 'plugins.config.json') });
    const watch = started.app.watchPluginsConfig();
    try {
      const updated = started.nextReload((event) => event.trigger === 'file', 'the ConfigMap update');
      await writeVersion('..2025_03_01_10_05_00.2', [DATETIME_ENTRY, HOLIDAYS_ENTRY]);
      await symlink('..2025_03_01_10_05_00.2', join(volume, '..data_tmp'));
      await rename(join(volume, '..data_tmp'), join(volume, '..data'));
      expect((await updated).outcome).toBe('ok');
      expect(pluginNamed((await started.admin('ListPlugins')).body, 'holidays')).toMatchObject({ state: 'ACTIVE' });
    } finally {
      watch.close();
    }
  });
});
