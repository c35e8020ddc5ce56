// tools/list_changed from an MCP server through the host's real wiring (startPluginHost): a real change
// is picked up by the same checked reload as a config change; announcements without a change cost no
// reload; and a server whose tools keep changing cannot reload-storm the host.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../../core/src/cache/index.js';
import { loadPluginsConfig } from '../../core/src/config/plugins-config.js';
import { startPluginHost, type StartedPluginHost } from '../../core/src/plugin-host/index.js';
import { fixtureServerPermissions } from '../support/plugin-grants.js';
import { START_UP_DEADLINE_MS, waitUntil } from '../support/timing.js';
import { stdioServerEntry } from './mcp-support.js';
import { createCapturingLogger, metricValue } from './plugin-host-support.js';

interface ToolsChangedBed {
  readonly started: StartedPluginHost;
  readonly registry: Registry;
  readonly toolsFile: string;
  readonly lines: Array<Record<string, unknown>>;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(flags: readonly string[], minIntervalMs: number): Promise<ToolsChangedBed> {
  const dir = await mkdtemp(join(tmpdir(), 'acai-mcp-tools-changed-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // The server runs in the default sandbox: it reads the tools file from a folder of its own, asked for and
  // granted like its fixture files (the data directory holding plugins.config.json may never be exposed).
  const controlDir = await mkdtemp(join(tmpdir(), 'acai-mcp-tools-control-'));
  cleanups.push(() => rm(controlDir, { recursive: true, force: true }));
  const toolsFile = join(controlDir, 'extra-tools.json');
  const configPath = join(dir, 'plugins.config.json');
  const { request, grant } = fixtureServerPermissions();
  const mcp = { permissions: { read: [...request.read, controlDir] } };
  // Each reload starts the server anew: on a busy machine that can take longer than the default 10 s setup
  // deadline, and a reload that timed out would drop the plugin.
  const policy = { setupTimeoutMs: START_UP_DEADLINE_MS };
  const entry = stdioServerEntry('files', [`--tools-file=${toolsFile}`, ...flags], { mcp, permissions: { read: [...grant.read, controlDir] }, tools: { deny: ['broken_schema', 'free_form'] }, policy });
  await writeFile(configPath, JSON.stringify({ plugins: [entry] }));
  const { logger, lines } = createCapturingLogger();
  const registry = new Registry();
  const readConfig = () => loadPluginsConfig(configPath, {});
  const started = await startPluginHost({
    initialConfig: await readConfig(),
    readConfig,
    dataDir: dir,
    hostVersion: '0.1.0',
    keyValueStore: new MemoryKeyValueStore(),
    logger,
    metricsRegistry: registry,
    worker: { isolation: 'thread', maxHeapMb: 64, hardDeadlineMs: 10_000, niceness: 0 },
    maxDrainMs: 5_000,
    autoRollbackWindowMs: 0,
    toolsChangedReload: { debounceMs: 50, minIntervalMs },
  });
  cleanups.push(() => started.host.dispose());
  return { started, registry, toolsFile, lines };
}

describe('tools/list_changed from an MCP server', () => {
  it('reloads the plugin set through the usual checks when the server\'s tools really changed', async () => {
    const bed = await start([], 1_000);
    const host = bed.started.host;
    expect(host.listTools().map((tool) => tool.exposedName)).not.toContain('files__extra_lookup');
    await writeFile(bed.toolsFile, JSON.stringify(['extra_lookup']));
    expect(await host.callTool('files__announce_tools_changed', {})).toMatchObject({ outcome: 'ok', content: 'announced' });
    await waitUntil(() => host.generation === 2, 'the reload');
    expect(await host.callTool('files__extra_lookup', { text: 'tea' })).toMatchObject({ outcome: 'ok', content: 'extra: tea' });
    expect(await metricValue(bed, 'acai_plugin_reloads_total', { trigger: 'tools_changed', outcome: 'ok' })).toBe(1);
    expect(await metricValue(bed, 'acai_mcp_tools_changed_total', { plugin: 'files', cause: 'notification' })).toBe(1);
    expect(bed.lines.some((line) => line['msg'] === 'reloading the plugin set because MCP server tools changed' && JSON.stringify(line['plugins']) === '["files"]')).toBe(true);
  });

  it('costs only a tools/list, no reload, when a server announces changes it did not make', async () => {
    const bed = await start(['--list-changed-every=40'], 1_000);
    await waitUntil(async () => ((await metricValue(bed, 'acai_mcp_list_changed_notifications_total', { plugin: 'files' })) ?? 0) >= 10, 'ten announcements');
    expect(bed.started.host.generation).toBe(1);
    expect(await metricValue(bed, 'acai_plugin_reloads_total', { trigger: 'tools_changed', outcome: 'ok' })).toBeUndefined();
    expect(bed.lines.some((line) => line['msg'] === 'the MCP server announced tools/list_changed, but its tools are unchanged')).toBe(true);
    expect(await bed.started.host.callTool('files__do_nothing', {})).toMatchObject({ outcome: 'ok' });
  });

  it('reloads at most once per interval while a flapping server\'s tools keep changing', async () => {
    const bed = await start(['--list-changed-every=40'], 700);
    const reloadCount = async () => (await metricValue(bed, 'acai_plugin_reloads_total', { trigger: 'tools_changed', outcome: 'ok' })) ?? 0;
    const changeCount = async () => (await metricValue(bed, 'acai_mcp_tools_changed_total', { plugin: 'files', cause: 'notification' })) ?? 0;
    let flip = false;
    const flap = async () => {
      flip = !flip;
      await writeFile(bed.toolsFile, JSON.stringify(flip ? ['extra_lookup'] : []));
      await new Promise((resolve) => setTimeout(resolve, 60));
    };
    const startedAt = Date.now();
    while (Date.now() - startedAt < 3_000) await flap();
    // A busy machine may not have reloaded yet (a reload starts the server anew) or seen many changes: keep
    // flapping until the host has reloaded and seen more changes than reloads. The rate bound holds at any
    // moment, so it is checked against the time elapsed when the count is read.
    await waitUntil(async () => {
      const reloads = await reloadCount();
      if (reloads >= 1 && (await changeCount()) > reloads) return true;
      await flap();
      return false;
    }, 'a reload and more tool changes than reloads');
    const reloads = await reloadCount();
    const elapsed = Date.now() - startedAt;
    expect(reloads).toBeGreaterThanOrEqual(1);
    expect(reloads).toBeLessThanOrEqual(Math.ceil(elapsed / 700) + 1);
    expect(await changeCount()).toBeGreaterThan(reloads);
    expect(await bed.started.host.callTool('files__do_nothing', {})).toMatchObject({ outcome: 'ok' });
  });
});
