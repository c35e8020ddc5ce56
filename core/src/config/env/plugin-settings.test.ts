import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import { readPluginSettings } from './plugin-settings.js';

describe('readPluginSettings', () => {
  // The defaults are checked through loadHostConfig in ../env-config.test.ts.
  it('reads the watch and reload settings, an off switch included', () => {
    const read = new EnvReader({ PLUGINS_WATCH: 'off', PLUGINS_WATCH_DEBOUNCE_MS: '0', PLUGINS_RELOAD_DRAIN_MS: '600000', PLUGINS_AUTO_ROLLBACK_WINDOW_MS: '86400000' }, '/srv');
    expect(readPluginSettings(read)).toMatchObject({ watchConfig: false, watchDebounceMs: 0, reloadDrainMs: 600_000, autoRollbackWindowMs: 86_400_000 });
    expect(read.problems).toEqual([]);
  });

  it('accepts either isolation in any case and refuses anything else, listing both', () => {
    expect(readPluginSettings(new EnvReader({ PLUGIN_WORKER_ISOLATION: 'PROCESS' }, '/srv')).worker.isolation).toBe('process');
    const read = new EnvReader({ PLUGIN_WORKER_ISOLATION: 'vm' }, '/srv');
    expect(readPluginSettings(read).worker.isolation).toBe('thread');
    expect(read.problems).toEqual(['PLUGIN_WORKER_ISOLATION: expected one of thread, process, got "vm"']);
  });

  it('reads where bubblewrap is, relative paths against the working directory, and leaves it unset by default', () => {
    expect(readPluginSettings(new EnvReader({ PLUGIN_SANDBOX_BWRAP: 'bin/bwrap' }, '/srv')).sandbox.bubblewrapPath).toBe('/srv/bin/bwrap');
    expect(readPluginSettings(new EnvReader({}, '/srv')).sandbox.bubblewrapPath).toBeUndefined();
  });

  it('reports limits outside their ranges, naming each variable', () => {
    const read = new EnvReader(
      { PLUGINS_WATCH_DEBOUNCE_MS: '60001', PLUGIN_START_ATTEMPTS: '0', PLUGIN_START_RETRY_DELAY_MS: '1e9', PLUGIN_WORKER_MAX_HEAP_MB: '15', PLUGIN_WORKER_HARD_DEADLINE_MS: '99', PLUGIN_WORKER_NICE: '20' },
      '/srv',
    );
    readPluginSettings(read);
    expect(read.problems.map((problem) => problem.split(':')[0])).toEqual([
      'PLUGINS_WATCH_DEBOUNCE_MS',
      'PLUGIN_START_ATTEMPTS',
      'PLUGIN_START_RETRY_DELAY_MS',
      'PLUGIN_WORKER_MAX_HEAP_MB',
      'PLUGIN_WORKER_HARD_DEADLINE_MS',
      'PLUGIN_WORKER_NICE',
    ]);
  });
});
