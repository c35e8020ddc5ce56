// Tool parameter schema changes between plugin releases are reported: on hot reloads (in the reload
// result, the logs and a counter) and across restarts (through the ledger in the data dir). A minor
// release that breaks the parameters is refused unless the operator accepted it (acceptBreakingRelease);
// the guard itself and the fallback to the last good release are in plugin-releases.test.ts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ToolSchemaLedger } from '../../core/src/plugin-host/index.js';
import { startReloadTestbed, type ForecastRelease, type ReloadTestbed } from './reload-support.js';

const testbeds: ReloadTestbed[] = [];
const scratch: string[] = [];
afterEach(async () => {
  for (const testbed of testbeds.splice(0)) await testbed.close();
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

function forecastEntry(testbed: ReloadTestbed, release: ForecastRelease, options: { acceptBreaking?: boolean } = {}): Record<string, unknown> {
  return { name: 'forecast', tarball: testbed.tarball(release), mode: 'inline', required: true, ...(options.acceptBreaking ? { acceptBreakingRelease: release } : {}) };
}

async function counterValue(testbed: ReloadTestbed, announced: 'true' | 'false'): Promise<number> {
  const metric = await testbed.registry.getSingleMetric('acai_tool_schema_changes_total')?.get();
  return metric?.values.find((value) => value.labels.plugin === 'forecast' && value.labels.announced === announced)?.value ?? 0;
}

describe('tool schema changes on reload', () => {
  it('reports nothing when a release keeps the parameters, and flags a minor release that changes them (accepted by the operator)', async () => {
    const testbed = await startReloadTestbed([{ name: 'forecast', tarball: './forecast-1.0.0.tgz', mode: 'inline', required: true }]);
    testbeds.push(testbed);
    const before = testbed.host.listTools()[0]?.schemaFingerprint;

    await testbed.writeConfig([forecastEntry(testbed, '1.1.0')]);
    expect((await testbed.host.reload('admin')).schemaChanges).toEqual([]);

    // Not accepted, the breaking minor release is refused, and as the plugin is required the whole reload is.
    await testbed.writeConfig([forecastEntry(testbed, '1.3.0')]);
    await expect(testbed.host.reload('admin')).rejects.toThrow(/HOST_PLUGIN_BREAKING_CHANGE: .*release 1\.3\.0 breaks the tool parameters of 1\.1\.0 without a major version bump: forecast__get_forecast \/properties\/units: a new required property/);
    expect(testbed.host.listTools()[0]?.pluginVersion).toBe('1.1.0');

    await testbed.writeConfig([forecastEntry(testbed, '1.3.0', { acceptBreaking: true })]);
    const result = await testbed.host.reload('admin');
    const after = testbed.host.listTools()[0]?.schemaFingerprint;
    expect(after).not.toBe(before);
    expect(result.schemaChanges).toEqual([
      { exposedName: 'forecast__get_forecast', plugin: 'forecast', fromVersion: '1.1.0', toVersion: '1.3.0', fromFingerprint: before, toFingerprint: after, isMajorBump: false },
    ]);
    const warning = testbed.lines.find((line) => typeof line.msg === 'string' && line.msg.startsWith('tool parameters changed without a major version bump'));
    expect(warning).toMatchObject({ level: 40, tool: 'forecast__get_forecast', fromVersion: '1.1.0', toVersion: '1.3.0', trigger: 'admin' });
    expect(await counterValue(testbed, 'false')).toBe(1);
  });

  it('records a change announced by a major release as such, at info level', async () => {
    const testbed = await startReloadTestbed([{ name: 'forecast', tarball: './forecast-1.3.0.tgz', mode: 'inline', required: true }]);
    testbeds.push(testbed);
    await testbed.writeConfig([forecastEntry(testbed, '2.0.0')]);
    const result = await testbed.host.reload('file');
    expect(result.schemaChanges).toMatchObject([{ fromVersion: '1.3.0', toVersion: '2.0.0', isMajorBump: true }]);
    expect(testbed.lines.some((line) => line.msg === 'tool parameters changed with a major version bump' && line.level === 30)).toBe(true);
    expect([await counterValue(testbed, 'true'), await counterValue(testbed, 'false')]).toEqual([1, 0]);
  });

  it('remembers the schema of a plugin that was switched off, so its upgrade is noticed when it comes back', async () => {
    const testbed = await startReloadTestbed([{ name: 'forecast', tarball: './forecast-1.0.0.tgz', mode: 'inline' }]);
    testbeds.push(testbed);
    await testbed.host.setEnabled('forecast', false);
    expect(testbed.host.listTools()).toEqual([]);
    await testbed.writeConfig([{ ...forecastEntry(testbed, '1.3.0', { acceptBreaking: true }), required: false }]);
    await testbed.host.reload('admin');
    await testbed.host.setEnabled('forecast', true);
    expect(await counterValue(testbed, 'false')).toBe(1);
  });
});

describe('tool schema changes across restarts', () => {
  it('compares the first plugin set with the schemas the previous run recorded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acai-ledger-'));
    scratch.push(dir);
    const ledgerPath = join(dir, 'tool-schemas.json');

    const first = await startReloadTestbed([{ name: 'forecast', tarball: './forecast-1.0.0.tgz', mode: 'inline' }], { schemaLedger: new ToolSchemaLedger(ledgerPath) });
    expect(first.host.startupSchemaChanges).toEqual([]);
    await first.close();
    const recorded = JSON.parse(await readFile(ledgerPath, 'utf8')) as { tools: Record<string, { pluginVersion: string }> };
    expect(recorded.tools['forecast__get_forecast']?.pluginVersion).toBe('1.0.0');

    // Not accepted, the breaking minor release is refused at start: the ledger remembers what the previous run served.
    const refused = await startReloadTestbed([{ name: 'forecast', tarball: './forecast-1.3.0.tgz', mode: 'inline' }], { schemaLedger: new ToolSchemaLedger(ledgerPath) });
    expect(refused.host.listPlugins()[0]).toMatchObject({ state: 'failed', error: { code: 'HOST_PLUGIN_BREAKING_CHANGE' } });
    await refused.close();

    const second = await startReloadTestbed([{ name: 'forecast', tarball: './forecast-1.3.0.tgz', mode: 'inline', acceptBreakingRelease: '1.3.0' }], { schemaLedger: new ToolSchemaLedger(ledgerPath) });
    testbeds.push(second);
    expect(second.host.startupSchemaChanges).toMatchObject([{ exposedName: 'forecast__get_forecast', fromVersion: '1.0.0', toVersion: '1.3.0', isMajorBump: false }]);
    expect(second.lines.some((line) => line.trigger === 'restart' && line.level === 40)).toBe(true);
  });

  it('treats a missing, corrupt or foreign ledger file as "nothing recorded" and replaces it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acai-ledger-'));
    scratch.push(dir);
    const ledgerPath = join(dir, 'tool-schemas.json');
    for (const content of ['{not json', '[1,2,3]', JSON.stringify({ tools: { forecast__get_forecast: { plugin: 7 } } })]) {
      await writeFile(ledgerPath, content);
      const testbed = await startReloadTestbed([{ name: 'forecast', tarball: './forecast-1.0.0.tgz', mode: 'inline' }], { schemaLedger: new ToolSchemaLedger(ledgerPath) });
      expect(testbed.host.startupSchemaChanges).toEqual([]);
      await testbed.close();
      expect(JSON.parse(await readFile(ledgerPath, 'utf8'))).toMatchObject({ tools: { forecast__get_forecast: { plugin: 'forecast', pluginVersion: '1.0.0' } } });
    }
  });
});
