import { describe, expect, it } from 'vitest';
import { parsePluginsConfig } from '../../config/plugins-config.js';
import { diffPluginsConfig, isEmptyDiff } from './config-changes.js';

const parse = (plugins: unknown[], env: Record<string, string> = {}) => parsePluginsConfig({ plugins }, { path: '/srv/acai/plugins.config.json', env });

describe('diffPluginsConfig', () => {
  it('names entries added and removed, and the fields of the entries that changed', () => {
    const before = parse([
      { name: 'weather', package: '@acai/plugin-weather', version: '^1.0.0', config: { provider: 'open-meteo' } },
      { name: 'holidays', package: '@acai/plugin-holidays' },
    ]);
    const after = parse([
      { name: 'weather', package: '@acai/plugin-weather', version: '^2.0.0', config: { provider: 'weatherapi' }, enabled: false },
      { name: 'datetime', package: '@acai/plugin-datetime' },
    ]);
    const changes = diffPluginsConfig(before, after);
    expect(changes).toEqual({ added: ['datetime'], removed: ['holidays'], changed: [{ plugin: 'weather', fields: ['version', 'enabled', 'config'] }] });
    expect(isEmptyDiff(changes)).toBe(false);
    expect(isEmptyDiff(diffPluginsConfig(before, before))).toBe(true);
  });

  it('reports that a secret changed without carrying its value', () => {
    const before = parse([{ name: 'weather', package: '@acai/plugin-weather', config: { apiKey: '${WEATHER_KEY}' } }], { WEATHER_KEY: 'old-secret-value' });
    const after = parse([{ name: 'weather', package: '@acai/plugin-weather', config: { apiKey: '${WEATHER_KEY}' } }], { WEATHER_KEY: 'new-secret-value' });
    const changes = diffPluginsConfig(before, after);
    expect(changes.changed).toEqual([{ plugin: 'weather', fields: ['config'] }]);
    expect(JSON.stringify(changes)).not.toContain('secret-value');
  });
});
