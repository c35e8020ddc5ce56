import { describe, expect, it } from 'vitest';
import { parsePluginsConfig, type PluginEntryConfig } from '../config/plugins-config.js';
import { HostError } from '../errors/index.js';
import { toPermissionSet } from './permissions/index.js';
import { grantOf, placePackage } from './place-plugin.js';

function entry(fields: Record<string, unknown>): PluginEntryConfig {
  return parsePluginsConfig({ plugins: [{ name: 'quotes', path: './quotes', ...fields }] }, { path: '/srv/acai/plugins.config.json', env: {} }).plugins[0]!;
}

describe('placePackage', () => {
  it('runs everything that is not first-party in a sandboxed worker by default', () => {
    expect(placePackage(entry({}), false, 'x')).toEqual({ mode: 'worker', exemption: undefined });
    expect(placePackage(entry({ mode: 'worker' }), false, 'x')).toEqual({ mode: 'worker', exemption: undefined });
  });

  it('runs first-party plugins as their mode says, and sandboxes them too when the entry asks', () => {
    expect(placePackage(entry({}), true, 'x')).toEqual({ mode: 'inline', exemption: 'first-party' });
    expect(placePackage(entry({ mode: 'worker' }), true, 'x')).toEqual({ mode: 'worker', exemption: 'first-party' });
    expect(placePackage(entry({ sandbox: 'bubblewrap' }), true, 'x')).toEqual({ mode: 'worker', exemption: undefined });
  });

  it('honours an explicit opt-out, in the mode the entry names', () => {
    expect(placePackage(entry({ sandbox: 'none' }), false, 'x')).toEqual({ mode: 'worker', exemption: 'opted-out' });
    expect(placePackage(entry({ sandbox: 'none', mode: 'inline' }), false, 'x')).toEqual({ mode: 'inline', exemption: 'opted-out' });
  });

  it('refuses third-party code inline without the opt-out, naming both fixes', () => {
    let error: unknown;
    try {
      placePackage(entry({ mode: 'inline' }), false, 'plugins.config.json › quotes');
    } catch (caught) {
      error = caught;
    }
    expect(HostError.isInstance(error) && error.code).toBe('HOST_PLUGIN_CONFIG_INVALID');
    expect((error as Error).message).toMatch(/plugins\.config\.json › quotes: "mode": "inline" would run this third-party plugin in the host's own process.*Remove "mode".*"sandbox": "none"/);
  });
});

describe('grantOf', () => {
  const request = toPermissionSet({ network: ['api.quotes.example'] });

  it('is the entry’s permissions block, with network.allowHosts counted as granted hosts', () => {
    expect(grantOf(entry({ permissions: { network: ['api.quotes.example'], scratch: { sizeMb: 8 } } }), request, false)).toMatchObject({ network: ['api.quotes.example'], scratchMb: 8 });
    expect(grantOf(entry({ network: { allowHosts: ['127.0.0.1:8081'] } }), request, false).network).toEqual(['127.0.0.1:8081']);
    expect(grantOf(entry({}), request, false)).toEqual(toPermissionSet(undefined));
  });

  it('grants a first-party plugin what it asks for unless its entry says otherwise', () => {
    expect(grantOf(entry({}), request, true).network).toEqual(['api.quotes.example']);
    expect(grantOf(entry({ permissions: {} }), request, true).network).toEqual([]);
  });
});
