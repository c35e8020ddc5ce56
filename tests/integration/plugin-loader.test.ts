import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SDK_VERSION } from '@acai/plugin-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { HostError, type HostErrorCode } from '../../core/src/errors/index.js';
import { FIXTURES_DIR, fixtureConfig, loadFixtureHost, type FixtureHost } from './plugin-host-support.js';

const hosts: FixtureHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

/**
 * The named checks are the same in both modes, so the suite runs its fixture plugins inline (in this
 * process, started in no time) unless an entry asks for a worker; the loader's default runtime factory
 * runs `worker` entries in real workers.
 */
async function load(plugins: Array<Record<string, unknown>>, env: Record<string, string> = {}, hostVersion?: string): Promise<FixtureHost> {
  const entries = plugins.map((entry) => (entry['mode'] === undefined ? { ...entry, mode: 'inline' } : entry));
  const loaded = await loadFixtureHost(fixtureConfig(entries, env), hostVersion === undefined ? {} : { hostVersion });
  hosts.push(loaded);
  return loaded;
}

/** Loads the plugin next to a healthy one and returns the refusal, checking the healthy plugin still loaded. */
async function refusal(entry: Record<string, unknown>, code: HostErrorCode, env: Record<string, string> = {}, hostVersion?: string): Promise<string> {
  const { host } = await load([{ name: 'testbed', path: './testbed' }, entry], env, hostVersion);
  const report = host.loadReport();
  const failed = report.plugins.find((plugin) => plugin.name === entry['name']);
  expect(failed?.state).toBe('failed');
  expect(failed?.error?.code).toBe(code);
  expect(report.ok).toBe(false);
  expect(report.plugins.find((plugin) => plugin.name === 'testbed')?.state).toBe('loaded');
  expect(host.listTools().every((tool) => tool.plugin === 'testbed')).toBe(true);
  return failed?.error?.message ?? '';
}

describe('plugin loader', () => {
  it('loads a plugin, namespaces its tools and precomputes the strict OpenAI tool list', async () => {
    const { host } = await load([{ name: 'testbed', path: './testbed', mode: 'worker', config: { apiKey: 'k-123456' } }]);
    const tools = host.listTools();
    expect(tools.map((tool) => tool.exposedName)).toContain('testbed__echo_text');
    const echo = tools.find((tool) => tool.tool === 'echo_text');
    expect(echo).toMatchObject({ plugin: 'testbed', pluginVersion: '1.4.2', available: true });
    expect(echo?.schemaFingerprint).toMatch(/^[0-9a-f]{16}$/);
    const modelTools = host.listModelTools();
    expect(modelTools).toBe(host.listModelTools());
    expect(modelTools.find((tool) => tool.function.name === 'testbed__echo_text')).toEqual({
      type: 'function',
      function: { name: 'testbed__echo_text', description: 'Echoes the text back', parameters: echo?.parameters, strict: true },
      // Nothing of echo_text is nullable, so the loose form (for endpoints without strict mode) is the same schema.
      looseParameters: echo?.parameters,
    });
    expect(host.listPlugins()[0]).toMatchObject({ name: 'testbed', version: '1.4.2', state: 'loaded', mode: 'worker', breakerState: 'closed' });
  });

  it('refuses a package that is not installed', async () => {
    const message = await refusal({ name: 'ghost', package: '@acai-fixtures/plugin-ghost' }, 'HOST_PLUGIN_NOT_FOUND');
    expect(message).toContain('"@acai-fixtures/plugin-ghost" is not installed');
    expect(message).toContain('npm install');
  });

  it('refuses a local path without a package', async () => {
    expect(await refusal({ name: 'ghost', path: './does-not-exist' }, 'HOST_PLUGIN_NOT_FOUND')).toContain('does-not-exist');
  });

  it('refuses a version outside the operator range, naming both', async () => {
    const message = await refusal({ name: 'echo', path: './testbed', version: '^2.0.0' }, 'HOST_PLUGIN_VERSION_MISMATCH');
    expect(message).toContain('1.4.2');
    expect(message).toContain('^2.0.0');
  });

  it('refuses a plugin whose SDK peer range excludes the host SDK', async () => {
    const message = await refusal({ name: 'sdk-mismatch', path: './sdk-mismatch' }, 'HOST_PLUGIN_SDK_MISMATCH');
    expect(message).toContain('"^2.0.0"');
    expect(message).toContain(SDK_VERSION);
  });

  it('refuses a plugin whose host range excludes this host', async () => {
    const message = await refusal({ name: 'host-mismatch', path: './host-mismatch' }, 'HOST_PLUGIN_HOST_MISMATCH');
    expect(message).toContain('>=5.0.0');
    expect(message).toContain('0.1.0');
  });

  it('refuses an invalid manifest, listing every problem', async () => {
    const message = await refusal({ name: 'bad-manifest', path: './bad-manifest' }, 'HOST_PLUGIN_MANIFEST_INVALID');
    expect(message).toContain('/acai/entry');
    expect(message).toContain('/acai/sdkApi');
    expect(message).toContain('/acai/network/hosts/0');
  });

  it('refuses an entry whose default export is not a plugin', async () => {
    expect(await refusal({ name: 'not-a-plugin', path: './not-a-plugin' }, 'HOST_PLUGIN_MANIFEST_INVALID')).toContain('/tools');
  });

  it('refuses a config that does not match the config schema, with every error and pointer', async () => {
    const message = await refusal({ name: 'testbed2', path: './testbed' }, 'HOST_PLUGIN_CONFIG_INVALID');
    expect(message).toContain('named "testbed"');
    const { host } = await load([{ name: 'testbed', path: './testbed', config: { apiKey: 7, greeting: ['x'], colour: 'red' } }]);
    const error = host.loadReport().plugins[0]?.error;
    expect(error?.code).toBe('HOST_PLUGIN_CONFIG_INVALID');
    expect(error?.message).toContain('/apiKey: must be string');
    expect(error?.message).toContain('/greeting: must be string');
    expect(error?.message).toContain('/colour: is not an allowed property');
  });

  it('refuses a plugin whose required secret is unset, naming the environment variable', async () => {
    const message = await refusal({ name: 'needs-secret', path: './needs-secret', config: { apiKey: '${ACAI_TEST_EXAMPLE_KEY}' } }, 'HOST_PLUGIN_SECRET_MISSING');
    expect(message).toContain('plugins.config.json › needs-secret › apiKey: environment variable ACAI_TEST_EXAMPLE_KEY is not set');
    expect(await refusal({ name: 'needs-secret', path: './needs-secret' }, 'HOST_PLUGIN_SECRET_MISSING')).toContain('"apiKey" (Example API key)');
  });

  it('loads a plugin whose required secret comes from the environment', async () => {
    const { host } = await load([{ name: 'needs-secret', path: './needs-secret', config: { apiKey: '${ACAI_TEST_EXAMPLE_KEY}' } }], { ACAI_TEST_EXAMPLE_KEY: 'sk-from-env' });
    expect(host.loadReport().ok).toBe(true);
  });

  it('refuses a tool schema that fails the strict compile', async () => {
    const message = await refusal({ name: 'bad-schema', path: './bad-schema' }, 'HOST_PLUGIN_SCHEMA_INVALID');
    expect(message).toContain('"get_thing"');
  });

  it('quarantines only the tool that fails the provider lint and reports it', async () => {
    const { host } = await load([{ name: 'lax-schema', path: './lax-schema' }]);
    const report = host.loadReport();
    expect(report.plugins[0]?.state).toBe('loaded');
    expect(report.plugins[0]?.quarantinedTools).toEqual([{ tool: 'get_lax', reason: expect.stringContaining('/properties/id') }]);
    expect(host.listModelTools().map((tool) => tool.function.name)).toEqual(['lax-schema__get_strict']);
    expect((await host.callTool('lax-schema__get_lax', '{}')).outcome).toBe('unknown_tool');
  });

  it('refuses duplicate tool names', async () => {
    expect(await refusal({ name: 'duplicate-tools', path: './duplicate-tools' }, 'HOST_DUPLICATE_TOOL')).toContain('"get_item"');
  });

  it('refuses an entry that throws on import', async () => {
    expect(await refusal({ name: 'throws-on-import', path: './throws-on-import' }, 'HOST_PLUGIN_IMPORT_FAILED')).toContain('missing native module');
  });

  it('refuses a package whose entry was never built', async () => {
    expect(await refusal({ name: 'no-build', path: './no-build' }, 'HOST_PLUGIN_IMPORT_FAILED')).toContain('Build the plugin');
  });

  it('refuses a plugin whose setup misses its deadline', async () => {
    const message = await refusal({ name: 'slow-setup', path: './slow-setup', policy: { setupTimeoutMs: 50 } }, 'HOST_PLUGIN_SETUP_TIMEOUT');
    expect(message).toContain('50 ms');
  });

  it('refuses a plugin whose setup throws, without leaking its secret', async () => {
    const message = await refusal({ name: 'setup-fails', path: './setup-fails', config: { token: 'tok-very-secret' } }, 'HOST_PLUGIN_SETUP_FAILED');
    expect(message).toContain('upstream refused token [REDACTED]');
  });

  it('refuses a worker plugin whose setup throws, without leaking its secret either', async () => {
    const message = await refusal({ name: 'setup-fails', path: './setup-fails', mode: 'worker', config: { token: 'tok-very-secret' } }, 'HOST_PLUGIN_SETUP_FAILED');
    expect(message).toContain('setup-fails');
    expect(message).toContain('upstream refused token [REDACTED]');
    expect(message).not.toContain('tok-very-secret');
  });

  it('stops the whole load when a required plugin fails', async () => {
    const error = await load([
      { name: 'testbed', path: './testbed' },
      { name: 'throws-on-import', path: './throws-on-import', required: true },
    ]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(HostError.isInstance(error)).toBe(true);
    expect((error as HostError).code).toBe('HOST_PLUGIN_REQUIRED_FAILED');
    expect((error as HostError).message).toContain('HOST_PLUGIN_IMPORT_FAILED');
  });

  it('applies tool allow and deny lists, warning about unknown names', async () => {
    const { host } = await load([{ name: 'testbed', path: './testbed', tools: { allow: ['echo_text', 'do_nothing', 'no_such_tool'], deny: ['do_nothing'] } }]);
    expect(host.listTools().map((tool) => tool.exposedName)).toEqual(['testbed__echo_text']);
    expect(host.loadReport().plugins[0]?.warnings[0]).toContain('"no_such_tool"');
  });

  it('skips disabled plugins and reports them', async () => {
    const { host } = await load([{ name: 'testbed', path: './testbed', enabled: false }]);
    expect(host.listPlugins()[0]?.state).toBe('disabled');
    expect(host.listTools()).toEqual([]);
    expect(host.loadReport().ok).toBe(true);
  });

  it('loads a plugin from an npm-pack style tarball with the host SDK linked in', async () => {
    const work = await mkdtemp(join(tmpdir(), 'acai-tarball-'));
    try {
      await cp(join(FIXTURES_DIR, 'testbed'), join(work, 'package'), { recursive: true });
      const tarball = join(work, 'testbed-1.4.2.tgz');
      await promisify(execFile)('tar', ['-czf', tarball, '-C', work, 'package']);
      const loaded = await load([{ name: 'testbed', tarball }]);
      expect((await loaded.host.callTool('testbed__do_nothing', '{}')).outcome).toBe('ok');
      expect(loaded.host.listPlugins()[0]?.source).toBe(`tarball ${tarball}`);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('loads the three first-party plugins from the repository plugins.config.json', async () => {
    const { loadPluginsConfig } = await import('../../core/src/config/plugins-config.js');
    const config = await loadPluginsConfig(join(FIXTURES_DIR, '../../../plugins.config.json'), {});
    const loaded = await loadFixtureHost(config, { configDir: config.dir });
    hosts.push(loaded);
    expect(loaded.host.loadReport().plugins.map((plugin) => [plugin.name, plugin.state, plugin.error?.message])).toEqual([
      ['datetime', 'loaded', undefined],
      ['weather', 'loaded', undefined],
      ['holidays', 'loaded', undefined],
    ]);
    expect(loaded.host.listModelTools().map((tool) => tool.function.name)).toContain('weather__get_forecast');
  });
});
