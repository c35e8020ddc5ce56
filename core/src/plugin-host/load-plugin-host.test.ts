import { definePlugin, defineTool, type PluginDefinition } from '@acai/plugin-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostError, type HostErrorCode } from '../errors/index.js';
import type { ToolExecutor } from '../tool-calls/index.js';
import { loadTestPlugins, type LoadTestPluginsOptions, type TestPluginHost, type TestPluginPackage } from './__fixtures__/test-plugin-packages.js';
import { exposedToolName } from './tool-registry.js';

// The loader's named checks on SDK-defined plugins written into a temporary folder: each refusal
// carries its HostError code, leaves the other plugins loaded, and a required failure stops the load.

const NO_ARGUMENTS = { type: 'object', properties: {}, required: [], additionalProperties: false } as const;

function tool(name: string, execute: () => string = () => name) {
  return defineTool({ name, description: `The ${name} tool`, parameters: NO_ARGUMENTS, execute });
}

function plugin(name: string, fields: Partial<PluginDefinition> = {}): PluginDefinition {
  return definePlugin({ name, description: `The ${name} plugin`, tools: [tool('get_status')], ...fields });
}

/** A plugin that loads in any test: the refusals below are checked next to it. */
const HEALTHY: Record<string, TestPluginPackage> = { healthy: { definition: plugin('healthy') } };

const hosts: TestPluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((loaded) => loaded.close()));
});

async function load(packages: Record<string, TestPluginPackage>, entries: Array<Record<string, unknown>>, options?: LoadTestPluginsOptions): Promise<TestPluginHost> {
  const loaded = await loadTestPlugins(packages, entries, options);
  hosts.push(loaded);
  return loaded;
}

/** Loads `entry` (over package `probe`) next to the healthy plugin; returns its refusal after checking the healthy one loaded. */
async function refusal(testPackage: TestPluginPackage | undefined, entry: Record<string, unknown>, code: HostErrorCode, options?: LoadTestPluginsOptions) {
  const { host } = await load({ ...HEALTHY, ...(testPackage === undefined ? {} : { probe: testPackage }) }, [{ name: 'healthy', path: './healthy' }, { name: 'probe', path: './probe', ...entry }], options);
  const report = host.loadReport();
  const refused = report.plugins.find((candidate) => candidate.name === 'probe');
  expect(refused).toMatchObject({ state: 'failed', error: { code } });
  expect(report.ok).toBe(false);
  expect(host.listPlugins().find((candidate) => candidate.name === 'healthy')?.state).toBe('loaded');
  expect(host.listTools().map((registered) => registered.exposedName)).toEqual(['healthy__get_status']);
  return refused?.error?.message ?? '';
}

describe('loadPluginHost', () => {
  it('loads a plugin, namespaces its tools, precomputes the strict model list and describes each tool from the registry', async () => {
    const { host } = await load({ probe: { definition: plugin('probe', { tools: [tool('get_status'), tool('set_status')] }), version: '2.3.4' } }, [{ name: 'probe', path: './probe' }]);
    // The host is the tool callers' executor as it is: no cast, no adapter.
    const executor: ToolExecutor = host;
    expect(host.loadReport()).toEqual({ ok: true, plugins: [{ name: 'probe', state: 'loaded', version: '2.3.4', quarantinedTools: [], warnings: [] }] });
    expect(executor.listModelTools()).toBe(host.listModelTools());
    expect(host.listModelTools().map((spec) => [spec.function.name, spec.function.strict])).toEqual([
      ['probe__get_status', true],
      ['probe__set_status', true],
    ]);
    expect(executor.describeTool('probe__set_status')).toEqual({ plugin: 'probe', pluginVersion: '2.3.4', tool: 'set_status' });
    expect(executor.describeTool('probe__missing')).toBeUndefined();
    expect(await executor.callTool('probe__set_status', '{}', { signal: new AbortController().signal, callId: 'c1', tenantId: 't1' })).toMatchObject({ outcome: 'ok', content: 'set_status' });
    expect(host.listPlugins()[0]).toMatchObject({ name: 'probe', version: '2.3.4', mode: 'inline', kind: 'npm', state: 'loaded', breakerState: 'closed' });
  });

  describe('named checks, each refusing with its code', () => {
    it('resolve: a path without a package', async () => {
      expect(await refusal(undefined, {}, 'HOST_PLUGIN_NOT_FOUND')).toContain('probe');
    });

    it('manifest: an acai block that does not match the manifest schema', async () => {
      expect(await refusal({ definition: plugin('probe'), acai: { sdkApi: 42 } }, {}, 'HOST_PLUGIN_MANIFEST_INVALID')).toContain('sdkApi');
    });

    it('version range: the package outside the operator range, naming both', async () => {
      const message = await refusal({ definition: plugin('probe'), version: '1.2.0' }, { version: '^2.0.0' }, 'HOST_PLUGIN_VERSION_MISMATCH');
      expect(message).toContain('1.2.0');
      expect(message).toContain('^2.0.0');
    });

    it('version range: the plugin’s SDK range excluding the host’s SDK', async () => {
      expect(await refusal({ definition: plugin('probe'), packageJson: { peerDependencies: { '@acai/plugin-sdk': '^99.0.0' } } }, {}, 'HOST_PLUGIN_SDK_MISMATCH')).toContain('^99.0.0');
    });

    it('version range: the plugin’s host range excluding this host', async () => {
      expect(await refusal({ definition: plugin('probe'), acai: { hostRange: '>=5.0.0' } }, {}, 'HOST_PLUGIN_HOST_MISMATCH')).toContain('>=5.0.0');
    });

    it('import: an entry that throws while it is imported', async () => {
      expect(await refusal({ entrySource: "throw new Error('missing native module');\n" }, {}, 'HOST_PLUGIN_IMPORT_FAILED')).toContain('missing native module');
    });

    it('import: an entry that was never built', async () => {
      expect(await refusal({ definition: plugin('probe'), acai: { entry: './dist/index.js' } }, {}, 'HOST_PLUGIN_IMPORT_FAILED')).toContain('Build the plugin');
    });

    it('import: a default export that is not a plugin', async () => {
      await refusal({ definition: { name: 'probe', tools: 'none' } }, {}, 'HOST_PLUGIN_MANIFEST_INVALID');
    });

    it('config: a plugin whose name differs from its entry', async () => {
      expect(await refusal({ definition: plugin('other') }, {}, 'HOST_PLUGIN_CONFIG_INVALID')).toContain('Rename the entry to "other"');
    });

    it('config: settings that do not match the config schema, with the pointer', async () => {
      const configSchema = { type: 'object', properties: { region: { type: 'string' } }, required: ['region'], additionalProperties: false } as const;
      expect(await refusal({ definition: plugin('probe', { configSchema }) }, { config: { region: 5 } }, 'HOST_PLUGIN_CONFIG_INVALID')).toContain('/region');
    });

    it('secrets: a required secret whose environment variable is unset, naming the variable', async () => {
      const entry = { config: { apiKey: '${PROBE_API_KEY}' } };
      const secrets = [{ key: 'apiKey', required: true }];
      expect(await refusal({ definition: plugin('probe'), acai: { secrets } }, entry, 'HOST_PLUGIN_SECRET_MISSING', { env: {} })).toContain('PROBE_API_KEY');
    });

    it('secrets: a required secret missing from the config', async () => {
      await refusal({ definition: plugin('probe'), acai: { secrets: [{ key: 'apiKey', required: true }] } }, {}, 'HOST_PLUGIN_SECRET_MISSING');
    });

    it('tool schemas: a parameters schema that does not compile', async () => {
      const broken = { type: 'object', properties: { id: { type: 'strin' } }, required: ['id'], additionalProperties: false } as const;
      const definition = plugin('probe', { tools: [defineTool({ name: 'get_thing', description: 'Gets a thing', parameters: broken as never, execute: () => 'thing' })] });
      expect(await refusal({ definition }, {}, 'HOST_PLUGIN_SCHEMA_INVALID')).toContain('get_thing');
    });

    it('tool schemas: a schema outside the strict dialect quarantines only that tool', async () => {
      const lax = { type: 'object', properties: { id: { type: 'string' } }, additionalProperties: false } as const;
      const definition = plugin('probe', { tools: [tool('get_status'), defineTool({ name: 'get_lax', description: 'Lax', parameters: lax, execute: () => 'lax' })] });
      const { host } = await load({ probe: { definition } }, [{ name: 'probe', path: './probe' }]);
      expect(host.listTools().map((registered) => registered.exposedName)).toEqual(['probe__get_status']);
      expect(host.loadReport().plugins[0]?.quarantinedTools).toEqual([{ tool: 'get_lax', reason: expect.stringContaining('quarantined') }]);
    });

    it('setup: a setup that misses its deadline is refused and its signal fires', async () => {
      let setupSignal: AbortSignal | undefined;
      let disposals = 0;
      const definition = plugin('probe', {
        setup: (context) =>
          new Promise<void>((resolve) => {
            setupSignal = context.signal;
            context.signal.addEventListener('abort', () => resolve());
          }),
        dispose: () => {
          disposals += 1;
        },
      });
      const message = await refusal({ definition }, { policy: { setupTimeoutMs: 50 } }, 'HOST_PLUGIN_SETUP_TIMEOUT');
      expect(message).toContain('setup did not finish within 50 ms');
      expect(setupSignal?.aborted).toBe(true);
      expect(disposals).toBe(1);
    });

    it('setup: a setup that throws is refused without its secret', async () => {
      const definition = plugin('probe', {
        configSchema: { type: 'object', properties: { token: { type: 'string' } }, additionalProperties: false },
        setup: (context) => {
          throw new Error(`upstream refused token ${String((context.config as Record<string, unknown>)['token'])}`);
        },
      });
      const message = await refusal({ definition, acai: { secrets: [{ key: 'token', required: true }] } }, { config: { token: 'tok-very-secret' } }, 'HOST_PLUGIN_SETUP_FAILED');
      expect(message).toBe('plugins.config.json › probe: setup failed: upstream refused token [REDACTED]');
    });
  });

  describe('duplicate names', () => {
    it('refuses a plugin that declares one tool name twice', async () => {
      const definition = plugin('probe', { tools: [tool('get_status'), tool('get_status')] });
      expect(await refusal({ definition }, {}, 'HOST_DUPLICATE_TOOL')).toContain('"get_status"');
    });

    it('refuses a plugin whose tools would share an exposed name after shortening, instead of overwriting one', async () => {
      const name = 'plugin-with-a-long-name-for-ids';
      const long = `get_${'x'.repeat(40)}`;
      // The tool named like the other's shortened exposed name: both would be exposed as the same function.
      const lookalike = exposedToolName(name, long).slice(name.length + 2);
      expect(exposedToolName(name, lookalike)).toBe(exposedToolName(name, long));
      const { host } = await load({ ...HEALTHY, long: { definition: plugin(name, { tools: [tool(long), tool(lookalike)] }) } }, [
        { name: 'healthy', path: './healthy' },
        { name, path: './long' },
      ]);
      const refused = host.loadReport().plugins.find((candidate) => candidate.name === name);
      expect(refused?.error).toEqual({
        code: 'HOST_DUPLICATE_TOOL',
        message:
          `plugins.config.json › ${name}: tool "${lookalike}" would be exposed as "${exposedToolName(name, long)}", which tool "${long}" of plugin ${name} already uses. ` +
          'Disable one of the plugins or deny one of the tools in plugins.config.json.',
      });
      expect(host.listTools().map((registered) => registered.exposedName)).toEqual(['healthy__get_status']);
    });
  });

  describe('start retries', () => {
    /** A setup that hangs (until its deadline fires) for the first `slowAttempts` attempts, then succeeds; `attempts` counts them. */
    function slowToStart(slowAttempts: number) {
      const state = { attempts: 0 };
      const definition = plugin('probe', {
        setup: (context) => {
          state.attempts += 1;
          if (state.attempts > slowAttempts) return;
          return new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
        },
      });
      return { state, definition };
    }
    const RETRY = { startRetry: { maxAttempts: 3, backoff: { initialMs: 1, maxMs: 5 } } };
    const SLOW_ENTRY = { name: 'probe', path: './probe', policy: { setupTimeoutMs: 50 } };

    it('keeps an optional plugin whose setup timed out starting, with the count and the coded failure, and serves it once an attempt succeeds', async () => {
      const { state, definition } = slowToStart(1);
      const { host, metricValue } = await load({ ...HEALTHY, probe: { definition } }, [{ name: 'healthy', path: './healthy' }, SLOW_ENTRY], { loader: RETRY });
      // Read before this test yields to the event loop: the next attempt waits for a timer, so it has not begun.
      const first = host.listPlugins().find((candidate) => candidate.name === 'probe');
      expect(first).toMatchObject({ state: 'starting', startAttempts: { made: 1, max: 3 }, tools: [], error: { code: 'HOST_PLUGIN_SETUP_TIMEOUT' } });
      expect(first?.error?.message).toMatch(/setup did not finish within 50 ms\. .*\(attempt 1 of 3; trying again\)$/);
      expect(host.loadReport().ok).toBe(false);
      expect(host.listModelTools().map((spec) => spec.function.name)).toEqual(['healthy__get_status']);
      await vi.waitFor(() => expect(host.listPlugins().find((candidate) => candidate.name === 'probe')?.state).toBe('loaded'), { timeout: 10_000 });
      expect(state.attempts).toBe(2);
      expect(host.listPlugins().find((candidate) => candidate.name === 'probe')).toMatchObject({ startAttempts: { made: 2, max: 3 }, tools: ['probe__get_status'] });
      expect(host.listModelTools().map((spec) => spec.function.name)).toEqual(['healthy__get_status', 'probe__get_status']);
      expect(await host.callTool('probe__get_status', '{}')).toMatchObject({ outcome: 'ok' });
      expect(host.breakerState('probe')).toBe('closed');
      expect(host.loadReport().ok).toBe(true);
      expect(await metricValue('acai_plugin_start_attempts_total', { plugin: 'probe', outcome: 'timed_out' })).toBe(1);
      expect(await metricValue('acai_plugin_start_attempts_total', { plugin: 'probe', outcome: 'started' })).toBe(1);
      expect(await metricValue('acai_plugin_start_attempts_total', { plugin: 'healthy', outcome: 'started' })).toBe(1);
    });

    it('gives up after the last attempt and reports the failure with its code and the count', async () => {
      const { state, definition } = slowToStart(Number.POSITIVE_INFINITY);
      const { host, logLines, metricValue } = await load({ ...HEALTHY, probe: { definition } }, [{ name: 'healthy', path: './healthy' }, SLOW_ENTRY], { loader: RETRY });
      await vi.waitFor(() => expect(host.listPlugins().find((candidate) => candidate.name === 'probe')?.state).toBe('failed'), { timeout: 10_000 });
      expect(state.attempts).toBe(3);
      const failed = host.listPlugins().find((candidate) => candidate.name === 'probe');
      expect(failed).toMatchObject({ startAttempts: { made: 3, max: 3 }, error: { code: 'HOST_PLUGIN_SETUP_TIMEOUT' } });
      expect(failed?.error?.message).toMatch(/\(gave up after 3 attempts\)$/);
      expect(logLines.filter((line) => line['plugin'] === 'probe' && line['code'] === 'HOST_PLUGIN_SETUP_TIMEOUT').map((line) => line['level'])).toEqual([40, 40, 50]);
      expect(await metricValue('acai_plugin_start_attempts_total', { plugin: 'probe', outcome: 'timed_out' })).toBe(3);
      expect(await metricValue('acai_plugin_start_attempts_total', { plugin: 'probe', outcome: 'started' })).toBeUndefined();
    });

    it('never retries a plugin that fails for another reason than time', async () => {
      let attempts = 0;
      const definition = plugin('probe', {
        setup: () => {
          attempts += 1;
          throw new Error('the config is wrong');
        },
      });
      const { host, metricValue } = await load({ probe: { definition } }, [{ name: 'probe', path: './probe' }], { loader: RETRY });
      expect(host.listPlugins()[0]).toMatchObject({ state: 'failed', startAttempts: { made: 1, max: 3 }, error: { code: 'HOST_PLUGIN_SETUP_FAILED' } });
      expect(attempts).toBe(1);
      expect(await metricValue('acai_plugin_start_attempts_total', { plugin: 'probe', outcome: 'failed' })).toBe(1);
    });

    it('retries a required plugin before the load returns', async () => {
      const { state, definition } = slowToStart(2);
      const { host } = await load({ probe: { definition } }, [{ ...SLOW_ENTRY, required: true }], { loader: RETRY });
      expect(host.listPlugins()[0]).toMatchObject({ state: 'loaded', startAttempts: { made: 3, max: 3 } });
      expect(state.attempts).toBe(3);
    });

    it('stops retrying when the plugin set is disposed', async () => {
      const { state, definition } = slowToStart(Number.POSITIVE_INFINITY);
      const loaded = await loadTestPlugins({ probe: { definition } }, [SLOW_ENTRY], { loader: { startRetry: { maxAttempts: 50, backoff: { initialMs: 1, maxMs: 1 } } } });
      await vi.waitFor(() => expect(state.attempts).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
      // close() resolves only once the retry loop has returned, so no attempt can follow it.
      await loaded.close();
      const attemptsAtClose = state.attempts;
      expect(loaded.host.listPlugins()[0]?.state).not.toBe('loaded');
      expect(attemptsAtClose).toBeLessThan(50);
      await loaded.host.dispose();
      expect(state.attempts).toBe(attemptsAtClose);
    });
  });

  it('stops the whole load when a required plugin fails, disposing the plugins that had loaded', async () => {
    let disposals = 0;
    const packages = { healthy: { definition: plugin('healthy', { dispose: () => void (disposals += 1) }) }, probe: { entrySource: "throw new Error('broken');\n" } };
    const error = await loadTestPlugins(packages, [{ name: 'healthy', path: './healthy' }, { name: 'probe', path: './probe', required: true }]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(HostError.isInstance(error) && error.code).toBe('HOST_PLUGIN_REQUIRED_FAILED');
    expect((error as HostError).message).toContain('HOST_PLUGIN_IMPORT_FAILED');
    expect(disposals).toBe(1);
  });

  it('applies tool allow and deny lists and warns about names the plugin does not have', async () => {
    const definition = plugin('probe', { tools: [tool('get_status'), tool('set_status'), tool('get_other')] });
    const { host } = await load({ probe: { definition } }, [{ name: 'probe', path: './probe', tools: { allow: ['get_status', 'set_status', 'no_such_tool'], deny: ['set_status'] } }]);
    expect(host.listTools().map((registered) => registered.exposedName)).toEqual(['probe__get_status']);
    expect(host.describeTool('probe__set_status')).toBeUndefined();
    expect(host.loadReport().plugins[0]?.warnings).toEqual([expect.stringContaining('"no_such_tool"')]);
  });

  it('runs a worker entry in a worker with the default runtime factory', async () => {
    // A plain plugin object (no SDK import), so the entry also loads in a worker thread outside the repository.
    const entrySource = `export default { name: 'probe', description: 'Reports its thread', tools: [{ name: 'get_thread', description: 'Thread id', parameters: ${JSON.stringify(NO_ARGUMENTS)}, execute: async () => { const { threadId } = await import('node:worker_threads'); return String(threadId); } }] };\n`;
    // Outside the sandbox, so the worker is a thread (a sandboxed one is a process; tests/integration/sandbox-* cover it).
    const { host } = await load({ probe: { entrySource } }, [{ name: 'probe', path: './probe', mode: 'worker', sandbox: 'none' }]);
    expect(host.listPlugins()[0]).toMatchObject({ state: 'loaded', mode: 'worker', isRestarting: false });
    const result = await host.callTool('probe__get_thread', '{}');
    expect(result.outcome).toBe('ok');
    expect(Number(result.content)).toBeGreaterThan(0);
  });
});
