import { describe, expect, it } from 'vitest';
import { SDK_VERSION } from '../version.js';
import { checkHostCompatibility, checkSdkCompatibility, checkVersionRange } from './check-compatibility.js';
import { checkManifest } from './check-manifest.js';
import { PluginCheckError } from './plugin-check-error.js';

const valid = {
  name: '@acme/plugin-echo',
  version: '1.2.3',
  peerDependencies: { '@acai/plugin-sdk': '^1.0.0' },
  acai: { entry: './dist/index.js', sdkApi: '1', hostRange: '>=0.1.0 <1.0.0', network: { hosts: ['api.example.com', '*.example.org'] }, secrets: [{ key: 'apiKey', required: true }] },
};

function refusal(run: () => unknown): PluginCheckError {
  try {
    run();
  } catch (error) {
    if (PluginCheckError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a PluginCheckError');
}

describe('checkManifest', () => {
  it('accepts a complete manifest and returns it typed', () => {
    expect(checkManifest(valid, 'test').acai.entry).toBe('./dist/index.js');
  });

  it('lists every problem with its JSON pointer', () => {
    const error = refusal(() =>
      checkManifest({ name: 'x', version: 'one', acai: { sdkApi: 1, hostRange: 'not a range!', network: { hosts: ['bad host'] } } }, 'pkg x'),
    );
    expect(error.code).toBe('PLUGIN_MANIFEST_INVALID');
    const pointers = error.problems.map((problem) => problem.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/acai/entry', '/acai/sdkApi', '/acai/network/hosts/0', '/version', '/acai/hostRange', '/peerDependencies']));
    expect(error.message).toContain('pkg x');
  });

  it('refuses a package.json without an acai block', () => {
    expect(refusal(() => checkManifest({ name: 'x', version: '1.0.0' }, 'x')).problems[0]?.pointer).toBe('/acai');
  });
});

describe('version checks', () => {
  const manifest = checkManifest(valid, 'test');

  it('refuses a package version outside the operator range, naming both', () => {
    const error = refusal(() => checkVersionRange(manifest, '^2.0.0', 'plugins.config.json › echo'));
    expect(error.code).toBe('PLUGIN_VERSION_MISMATCH');
    expect(error.message).toContain('1.2.3');
    expect(error.message).toContain('^2.0.0');
    expect(() => checkVersionRange(manifest, '^1.0.0', 'x')).not.toThrow();
  });

  it('refuses a peer range that excludes the SDK version', () => {
    const error = refusal(() => checkSdkCompatibility({ ...manifest, peerDependencies: { '@acai/plugin-sdk': '^2.0.0' } }, 'x'));
    expect(error.code).toBe('PLUGIN_SDK_MISMATCH');
    expect(error.message).toContain(SDK_VERSION);
    expect(error.message).toContain('^2.0.0');
  });

  it('refuses a manifest naming another SDK API major', () => {
    expect(refusal(() => checkSdkCompatibility({ ...manifest, acai: { ...manifest.acai, sdkApi: '2' } }, 'x')).code).toBe('PLUGIN_SDK_MISMATCH');
  });

  it('refuses a host version outside the plugin host range', () => {
    const error = refusal(() => checkHostCompatibility(manifest, '1.4.0', 'x'));
    expect(error.code).toBe('PLUGIN_HOST_MISMATCH');
    expect(error.message).toContain('>=0.1.0 <1.0.0');
    expect(error.message).toContain('1.4.0');
    expect(() => checkHostCompatibility(manifest, '0.1.0', 'x')).not.toThrow();
  });
});
