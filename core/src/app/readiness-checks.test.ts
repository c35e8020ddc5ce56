import { describe, expect, it } from 'vitest';
import { loadHostConfig } from '../config/env-config.js';
import { HostError } from '../errors/index.js';
import { ModelCredentialHealth } from '../llm/index.js';
import type { PluginStatus } from '../plugin-host/index.js';
import { describePluginSet, readinessChecks } from './readiness-checks.js';

type ProbedPlugin = Pick<PluginStatus, 'name' | 'state' | 'isRestarting'> & Partial<Pick<PluginStatus, 'startAttempts' | 'version' | 'refusedRelease' | 'sandbox'>>;

function pluginSet(plugins: readonly ProbedPlugin[], generation = 3) {
  return { generation, listPlugins: () => plugins.map((plugin) => ({ startAttempts: { made: 1, max: 4 }, ...plugin })) };
}

describe('describePluginSet', () => {
  it('is ok while every plugin is loaded', () => {
    expect(describePluginSet(pluginSet([{ name: 'weather', state: 'loaded' }, { name: 'datetime', state: 'loaded' }]))).toEqual({
      state: 'ok',
      message: '2 plugin(s) loaded (generation 3)',
    });
  });

  it('is degraded, naming them, when plugins failed or are restarting', () => {
    const result = describePluginSet(
      pluginSet([
        { name: 'weather', state: 'failed' },
        { name: 'holidays', state: 'loaded', isRestarting: true },
        { name: 'datetime', state: 'loaded' },
      ]),
    );
    expect(result).toEqual({ state: 'degraded', message: '2 plugin(s) loaded (generation 3); failed: weather; restarting: holidays' });
  });

  it('reports drift with its code, never the reason (which can quote the file) on the public /readyz', () => {
    const since = new Date('2026-03-01T10:00:00Z');
    const drift = { code: 'HOST_CONFIG_INVALID', reason: 'plugins.config.json: not valid JSON (..."apiKey": "sk-live-123... is not valid JSON)', since, trigger: 'file' };
    const result = describePluginSet({ ...pluginSet([{ name: 'datetime', state: 'loaded' }]), drift });
    expect(result).toEqual({
      state: 'degraded',
      message: '1 plugin(s) loaded (generation 3); drift: plugins.config.json refused (HOST_CONFIG_INVALID) since 2026-03-01T10:00:00.000Z; the last config that loaded serves (reason: ListPlugins)',
    });
    expect(result.message).not.toContain('sk-live');
  });

  it('is degraded, naming both releases, when a refused release left the last good one serving', () => {
    const refusedRelease = { version: '1.1.0', code: 'HOST_PLUGIN_BREAKING_CHANGE' as const, message: 'release 1.1.0 breaks …' };
    expect(describePluginSet(pluginSet([{ name: 'digits', state: 'loaded', version: '1.0.0', refusedRelease }]))).toEqual({
      state: 'degraded',
      message: '1 plugin(s) loaded (generation 3); digits 1.1.0 refused (HOST_PLUGIN_BREAKING_CHANGE), 1.0.0 keeps serving',
    });
  });

  it('is degraded while a plugin whose start timed out waits for its next attempt, with the count', () => {
    const result = describePluginSet(pluginSet([{ name: 'slow', state: 'starting', startAttempts: { made: 2, max: 4 } }, { name: 'datetime', state: 'loaded' }]));
    expect(result).toEqual({ state: 'degraded', message: '1 plugin(s) loaded (generation 3); starting: slow (attempt 2 of 4 timed out)' });
  });

  it('names the plugins an operator runs without a sandbox, without making the host unready', () => {
    const result = describePluginSet(
      pluginSet([
        { name: 'legacy', state: 'loaded', sandbox: { kind: 'none', exemption: 'opted-out' } },
        { name: 'datetime', state: 'loaded', sandbox: { kind: 'none', exemption: 'first-party' } },
        { name: 'files', state: 'failed', sandbox: { kind: 'none', exemption: 'opted-out' } },
      ]),
    );
    expect(result).toEqual({ state: 'degraded', message: '2 plugin(s) loaded (generation 3); WITHOUT a sandbox by operator choice: legacy; failed: files' });
    expect(describePluginSet(pluginSet([{ name: 'legacy', state: 'loaded', sandbox: { kind: 'none', exemption: 'opted-out' } }])).state).toBe('ok');
  });

  it('describes an empty set as ok', () => {
    expect(describePluginSet(pluginSet([], 1))).toEqual({ state: 'ok', message: '0 plugin(s) loaded (generation 1)' });
  });
});

describe('readinessChecks', () => {
  it('makes the store critical and Redis, plugins and the model degrade only, named after what is configured', async () => {
    const config = loadHostConfig({}, '/srv/acai');
    const stores = {
      store: { kind: 'mongodb' as const, ping: async () => undefined },
      keyValueStore: { kind: 'redis' as const, ping: async () => undefined },
    };
    const checks = readinessChecks(config, stores, pluginSet([]));
    expect(checks.map((check) => [check.name, check.critical])).toEqual([
      ['mongodb', true],
      ['redis', false],
      ['plugins', true],
      ['model', false],
    ]);
  });

  it('reads the plugin set on every probe, so a reload shows at once', async () => {
    const config = loadHostConfig({}, '/srv/acai');
    let plugins: ProbedPlugin[] = [{ name: 'weather', state: 'loaded' }];
    const host = { generation: 1, listPlugins: () => pluginSet(plugins).listPlugins() };
    const check = readinessChecks(config, { store: { kind: 'embedded', ping: async () => undefined }, keyValueStore: { kind: 'memory', ping: async () => undefined } }, host).find((candidate) => candidate.name === 'plugins')!;
    expect(await check.check(new AbortController().signal)).toMatchObject({ state: 'ok' });
    plugins = [{ name: 'weather', state: 'failed' }];
    expect(await check.check(new AbortController().signal)).toMatchObject({ state: 'degraded', message: expect.stringContaining('failed: weather') });
  });

  it('turns the model check degraded while the provider rejects the model key, naming the setting', async () => {
    const config = loadHostConfig({ OPENAI_MODEL: 'gpt-test', OPENAI_API_KEY: 'sk-test' }, '/srv/acai');
    const health = new ModelCredentialHealth(() => new Date('2026-01-02T03:04:05Z'));
    const stores = { store: { kind: 'embedded' as const, ping: async () => undefined }, keyValueStore: { kind: 'memory' as const, ping: async () => undefined } };
    const check = readinessChecks(config, stores, pluginSet([]), health).find((candidate) => candidate.name === 'model')!;
    expect(await check.check(new AbortController().signal)).toEqual({ state: 'ok' });
    health.recordRejected('reply', new HostError('HOST_MODEL_CREDENTIALS_REJECTED', 'the model endpoint rejected the host\'s model API key (HTTP 401); fix OPENAI_API_KEY'));
    expect(await check.check(new AbortController().signal)).toEqual({
      state: 'degraded',
      message: "the model endpoint rejected the host's model API key (HTTP 401); fix OPENAI_API_KEY (since 2026-01-02T03:04:05.000Z)",
    });
    health.recordAccepted('reply');
    expect(await check.check(new AbortController().signal)).toEqual({ state: 'ok' });
  });
});
