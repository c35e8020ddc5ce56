import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostError } from '../../core/src/errors/index.js';
import type { ToolCallResult } from '../../core/src/tool-calls/index.js';
import { WAIT } from '../support/timing.js';
import { startReloadTestbed, type ReloadTestbed } from './reload-support.js';

const testbeds: ReloadTestbed[] = [];
afterEach(async () => {
  await Promise.all(testbeds.splice(0).map((testbed) => testbed.close()));
});

async function start(...args: Parameters<typeof startReloadTestbed>): Promise<ReloadTestbed> {
  const testbed = await startReloadTestbed(...args);
  testbeds.push(testbed);
  return testbed;
}

function forecastEntry(testbed: ReloadTestbed | undefined, version: '1.0.0' | '1.1.0' | '1.2.0', tarball?: string) {
  return { name: 'forecast', tarball: tarball ?? testbed?.tarball(version), mode: 'worker', required: true };
}

describe('hot reload of the plugin set', () => {
  it('upgrades a plugin from a new tarball (1.0.0 → 1.1.0) and rolls it back, end to end', async () => {
    const testbed = await start([{ name: 'forecast', tarball: './forecast-1.0.0.tgz', mode: 'worker', required: true }]);
    const { host } = testbed;
    expect(host.listPlugins()[0]).toMatchObject({ name: 'forecast', version: '1.0.0', mode: 'worker', state: 'loaded' });
    await expect(host.callTool('forecast__get_forecast', { city: 'Madrid' })).resolves.toMatchObject({ outcome: 'ok', content: 'Sunny in Madrid', data: { release: '1.0.0' } });

    await testbed.writeConfig([forecastEntry(testbed, '1.1.0')]);
    const upgrade = await host.reload('admin');
    expect(upgrade).toMatchObject({ generation: 2, reloaded: ['forecast'], added: [], removed: [], failed: [] });
    expect(host.listPlugins()[0]).toMatchObject({ version: '1.1.0', state: 'loaded' });
    await expect(host.callTool('forecast__get_forecast', { city: 'Madrid' })).resolves.toMatchObject({ outcome: 'ok', content: 'Sunny in Madrid, 21 °C', data: { release: '1.1.0' } });

    await testbed.writeConfig([forecastEntry(testbed, '1.0.0')]);
    expect(await host.reload('admin')).toMatchObject({ generation: 3, reloaded: ['forecast'] });
    expect(host.listPlugins()[0]).toMatchObject({ version: '1.0.0' });
    await expect(host.callTool('forecast__get_forecast', { city: 'Madrid' })).resolves.toMatchObject({ outcome: 'ok', data: { release: '1.0.0' } });
  });

  it('keeps the old set serving and reports the error when a required plugin of the new set fails', async () => {
    const testbed = await start([forecastEntry(undefined, '1.0.0', './forecast-1.0.0.tgz')]);
    const { host } = testbed;
    await testbed.writeConfig([forecastEntry(testbed, '1.1.0'), { name: 'throw-on-import', path: testbed.fixture('throw-on-import'), required: true }]);
    const failure = await host.reload('admin').catch((error: unknown) => error);
    expect(HostError.isInstance(failure) && failure.code).toBe('HOST_PLUGIN_REQUIRED_FAILED');
    expect((failure as Error).message).toContain('throw-on-import');
    expect(host.generation).toBe(1);
    expect(host.listPlugins().map((plugin) => [plugin.name, plugin.version])).toEqual([['forecast', '1.0.0']]);
    await expect(host.callTool('forecast__get_forecast', { city: 'Oslo' })).resolves.toMatchObject({ outcome: 'ok', data: { release: '1.0.0' } });
    expect(testbed.lines.some((line) => line.msg === 'plugin reload refused; the previous plugin set keeps serving')).toBe(true);
  });

  it('keeps the old set when the new plugins.config.json is invalid', async () => {
    const testbed = await start([forecastEntry(undefined, '1.0.0', './forecast-1.0.0.tgz')]);
    await testbed.writeConfig([{ name: 'forecast' }]);
    await expect(testbed.host.reload('signal')).rejects.toMatchObject({ code: 'HOST_CONFIG_INVALID' });
    await expect(testbed.host.callTool('forecast__get_forecast', { city: 'Oslo' })).resolves.toMatchObject({ outcome: 'ok' });
  });

  it('leaves out an optional plugin that fails and still reloads', async () => {
    const testbed = await start([forecastEntry(undefined, '1.0.0', './forecast-1.0.0.tgz')]);
    await testbed.writeConfig([forecastEntry(testbed, '1.0.0'), { name: 'throw-in-setup', path: testbed.fixture('throw-in-setup') }]);
    expect(await testbed.host.reload('admin')).toMatchObject({ generation: 2, unchanged: ['forecast'], failed: ['throw-in-setup'] });
  });

  it('fails no call while the plugin set is reloaded repeatedly under load', async () => {
    const testbed = await start([forecastEntry(undefined, '1.0.0', './forecast-1.0.0.tgz')]);
    const healthy = { name: 'healthy', path: testbed.fixture('healthy'), mode: 'worker', required: true };
    await testbed.writeConfig([forecastEntry(testbed, '1.0.0'), healthy]);
    await testbed.host.reload('admin');
    const results: ToolCallResult[] = [];
    let isReloading = true;
    const loops = Array.from({ length: 4 }, async (_, index) => {
      while (isReloading) {
        const exposedName = index % 2 === 0 ? 'forecast__get_forecast' : 'healthy__echo_text';
        const args = index % 2 === 0 ? { city: `city-${results.length}` } : { text: `text-${results.length}` };
        results.push(await testbed.host.callTool(exposedName, args));
      }
    });
    const releases = ['1.1.0', '1.0.0', '1.1.0', '1.0.0', '1.1.0'] as const;
    for (const release of releases) {
      await testbed.writeConfig([forecastEntry(testbed, release), healthy]);
      await testbed.host.reload('admin');
      // let some calls land on the new generation before the next swap
      const seen = results.length;
      await vi.waitFor(() => expect(results.length).toBeGreaterThan(seen + 20), WAIT);
    }
    isReloading = false;
    await Promise.all(loops);
    await testbed.host.whenRetired();
    expect(testbed.host.generation).toBe(2 + releases.length);
    const failures = results.filter((result) => result.outcome !== 'ok');
    expect(failures).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
    const releasesSeen = new Set(results.map((result) => (result.data as { release?: string } | undefined)?.release).filter(Boolean));
    expect(releasesSeen).toEqual(new Set(['1.0.0', '1.1.0']));
  });

  it('reloads when plugins.config.json changes on disk (debounced watch)', async () => {
    const testbed = await start([forecastEntry(undefined, '1.0.0', './forecast-1.0.0.tgz')]);
    const watch = testbed.host.watchConfigFile(testbed.configPath, 50);
    try {
      await testbed.writeConfig([forecastEntry(testbed, '1.1.0')]);
      await vi.waitFor(() => expect(testbed.host.listPlugins()[0]?.version).toBe('1.1.0'), WAIT);
      expect(testbed.host.generation).toBe(2);
    } finally {
      watch.close();
    }
  });

  it('switches a plugin off and on again through setEnabled', async () => {
    const testbed = await start([forecastEntry(undefined, '1.0.0', './forecast-1.0.0.tgz')]);
    await testbed.writeConfig([forecastEntry(testbed, '1.0.0'), { name: 'healthy', path: testbed.fixture('healthy') }]);
    await testbed.host.reload('admin');
    const disabled = await testbed.host.setEnabled('healthy', false);
    expect(disabled).toMatchObject({ name: 'healthy', state: 'disabled' });
    expect(testbed.host.listTools().some((tool) => tool.plugin === 'healthy')).toBe(false);
    await expect(testbed.host.callTool('healthy__do_nothing', {})).resolves.toMatchObject({ outcome: 'unknown_tool' });
    const enabled = await testbed.host.setEnabled('healthy', true);
    expect(enabled).toMatchObject({ name: 'healthy', state: 'loaded' });
    await expect(testbed.host.callTool('healthy__do_nothing', {})).resolves.toMatchObject({ outcome: 'ok', content: 'ok' });
    await expect(testbed.host.setEnabled('nope', true)).rejects.toMatchObject({ code: 'HOST_PLUGIN_NOT_FOUND' });
  });

  it('rolls back automatically when the new version trips its breaker within the window, and counts it', async () => {
    const testbed = await start([forecastEntry(undefined, '1.0.0', './forecast-1.0.0.tgz')], { autoRollback: { windowMs: 60_000, checkEveryMs: 20 } });
    await testbed.writeConfig([forecastEntry(testbed, '1.2.0')]);
    await testbed.host.reload('admin');
    expect(testbed.host.listPlugins()[0]?.version).toBe('1.2.0');
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const result = await testbed.host.callTool('forecast__get_forecast', { city: 'Rome' });
      expect(result.outcome).not.toBe('ok');
    }
    await vi.waitFor(() => expect(testbed.host.listPlugins()[0]?.version).toBe('1.0.0'), WAIT);
    expect(testbed.host.rollbackCount).toBe(1);
    await expect(testbed.host.callTool('forecast__get_forecast', { city: 'Rome' })).resolves.toMatchObject({ outcome: 'ok', data: { release: '1.0.0' } });
    const metrics = await testbed.registry.getSingleMetricAsString('acai_plugin_rollbacks_total');
    expect(metrics).toContain('acai_plugin_rollbacks_total{plugin="forecast"} 1');
    expect(testbed.lines.some((line) => String(line.msg).includes('rolling back'))).toBe(true);
  });
});
