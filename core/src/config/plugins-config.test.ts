import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import { loadPluginsConfig, parsePluginsConfig } from './plugins-config.js';

const path = '/etc/acai/plugins.config.json';

function refusal(run: () => unknown): HostError {
  try {
    run();
  } catch (error) {
    if (HostError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a HostError');
}

describe('parsePluginsConfig', () => {
  it('fills defaults from the schema and merges defaults.policy under each plugin', () => {
    const config = parsePluginsConfig(
      {
        defaults: { policy: { timeoutMs: 5000, breaker: { failureThreshold: 3 } } },
        plugins: [
          { name: 'datetime', package: '@acai/plugin-datetime' },
          { name: 'echo', path: './plugins/echo', policy: { maxConcurrent: 2, breaker: { halfOpenAfterMs: 100 } } },
        ],
      },
      { path, env: {} },
    );
    const [datetime, echo] = config.plugins;
    expect(datetime).toMatchObject({ enabled: true, required: false, mode: 'inline', config: {}, source: { kind: 'package', package: '@acai/plugin-datetime' } });
    expect(datetime?.policy).toEqual({
      timeoutMs: 5000,
      setupTimeoutMs: 10000,
      maxConcurrent: 8,
      maxQueue: 32,
      maxOutputBytes: 16384,
      breaker: { failureThreshold: 3, halfOpenAfterMs: 30000 },
      retry: { maxAttempts: 1 },
    });
    expect(echo?.mode).toBe('worker');
    expect(echo?.source).toEqual({ kind: 'path', path: '/etc/acai/plugins/echo' });
    expect(echo?.policy.maxConcurrent).toBe(2);
    expect(echo?.policy.breaker).toEqual({ failureThreshold: 3, halfOpenAfterMs: 100 });
    expect(Object.isFrozen(config.plugins[0]?.policy)).toBe(true);
  });

  it('gathers every problem into one error naming the plugin and field', () => {
    const error = refusal(() =>
      parsePluginsConfig(
        {
          plugins: [
            { name: 'weather', package: '@acai/plugin-weather', policy: { timeoutMs: -1 }, colour: 'red' },
            { name: 'weather', path: './x', tarball: './x.tgz' },
            { name: 'Bad_Name', package: 'x' },
          ],
        },
        { path, env: {} },
      ),
    );
    expect(error.code).toBe('HOST_CONFIG_INVALID');
    expect(error.message).toContain('plugins.config.json › weather › policy › timeoutMs: must be >= 1');
    expect(error.message).toContain('plugins.config.json › weather › colour: is not an allowed property (remove it)');
    expect(error.message).toContain('weather: set exactly one of "package", "path" or "tarball" (found path and tarball)');
    expect(error.message).toContain('› Bad_Name › name');
    expect(error.message).toContain('weather: the name is used by more than one plugin entry');
  });

  it('resolves ${ENV} references and records unset variables on the entry only', () => {
    const config = parsePluginsConfig(
      {
        plugins: [
          {
            name: 'weather',
            package: '@acai/plugin-weather',
            config: { apiKey: '${WEATHER_API_KEY}', region: '${REGION:-eu}', url: 'https://${HOST_NAME}/v1', nested: { token: '${TOKEN}' } },
          },
        ],
      },
      { path, env: { HOST_NAME: 'mirror.local', TOKEN: 't-1' } },
    );
    const weather = config.plugins[0];
    expect(weather?.config).toEqual({ region: 'eu', url: 'https://mirror.local/v1', nested: { token: 't-1' } });
    expect(weather?.unresolvedVariables).toEqual([
      {
        pointer: '/apiKey',
        variable: 'WEATHER_API_KEY',
        message: 'plugins.config.json › weather › apiKey: environment variable WEATHER_API_KEY is not set',
      },
    ]);
  });
});

describe('loadPluginsConfig', () => {
  it('loads the repository plugins.config.json', async () => {
    const config = await loadPluginsConfig(new URL('../../../plugins.config.json', import.meta.url).pathname, {});
    expect(config.plugins.map((plugin) => plugin.name)).toEqual(['datetime', 'weather', 'holidays']);
    expect(config.plugins.every((plugin) => plugin.enabled && plugin.mode === 'inline')).toBe(true);
  });

  it('reports unreadable and unparsable files as HOST_CONFIG_INVALID', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acai-plugins-config-'));
    try {
      await writeFile(join(dir, 'broken.json'), '{ nope');
      await expect(loadPluginsConfig(join(dir, 'broken.json'), {})).rejects.toMatchObject({ code: 'HOST_CONFIG_INVALID' });
      await expect(loadPluginsConfig(join(dir, 'missing.json'), {})).rejects.toMatchObject({ code: 'HOST_CONFIG_INVALID' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
