import { describe, expect, it } from 'vitest';
import { parsePluginsConfig } from './plugins-config.js';
import { readSupplyChainSettings } from './supply-chain-config.js';

const INTEGRITY = `sha512-${'A'.repeat(86)}==`;
const parse = (document: unknown) => parsePluginsConfig(document, { path: '/srv/acai/plugins.config.json', env: {} });

describe('supply-chain settings in plugins.config.json', () => {
  it('defaults to ./acai-plugins, policy off and ./trusted-keys next to the file', () => {
    const config = parse({ plugins: [] });
    expect(config).toMatchObject({ installDir: '/srv/acai/acai-plugins', signatures: { policy: 'off', trustedKeysDir: '/srv/acai/trusted-keys' } });
  });

  it('reads the install folder, the policy and the trust store relative to the file', () => {
    const config = parse({ installDir: '../shared/plugins', signatures: { policy: 'required', trustedKeys: '/etc/acai/keys' }, plugins: [] });
    expect(config).toMatchObject({ installDir: '/srv/shared/plugins', signatures: { policy: 'required', trustedKeysDir: '/etc/acai/keys' } });
    expect(readSupplyChainSettings({ signatures: { policy: 'warn' } }, '/x')).toMatchObject({ signatures: { policy: 'warn' } });
  });

  it('hands an entry its installed release and accepted breaking release', () => {
    const config = parse({ plugins: [{ name: 'digits', package: 'acai-plugin-digits', version: '^1.0.0', installed: { version: '1.1.0', integrity: INTEGRITY, registry: 'http://127.0.0.1:4873/' }, acceptBreakingRelease: '1.1.0' }] });
    expect(config.plugins[0]).toMatchObject({ installed: { version: '1.1.0', integrity: INTEGRITY, registry: 'http://127.0.0.1:4873/' }, acceptBreakingRelease: '1.1.0' });
    expect(parse({ plugins: [{ name: 'digits', package: 'acai-plugin-digits' }] }).plugins[0]).not.toHaveProperty('installed');
  });

  it.each([
    ['a policy that does not exist', { signatures: { policy: 'maybe' }, plugins: [] }, /signatures › policy/],
    ['an unknown signatures key', { signatures: { trusted: 'x' }, plugins: [] }, /signatures/],
    ['an integrity that is not sha512', { plugins: [{ name: 'digits', package: 'p', installed: { version: '1.0.0', integrity: 'sha1-abc' } }] }, /digits › installed › integrity/],
    ['a version that is not exact', { plugins: [{ name: 'digits', package: 'p', installed: { version: '^1.0.0', integrity: INTEGRITY } }] }, /digits › installed › version/],
    ['a registry that is not http', { plugins: [{ name: 'digits', package: 'p', installed: { version: '1.0.0', integrity: INTEGRITY, registry: 'file:///etc' } }] }, /digits › installed › registry/],
    ['an installed release on a folder plugin', { plugins: [{ name: 'digits', path: './x', installed: { version: '1.0.0', integrity: INTEGRITY } }] }, /digits › installed: only packages and tarballs are installed/],
    ['an installed release on an MCP server', { plugins: [{ name: 'files', mcp: { command: 'node' }, installed: { version: '1.0.0', integrity: INTEGRITY } }] }, /files › installed: only packages and tarballs are installed/],
  ])('refuses %s, naming the field', (_case, document, message) => {
    expect(() => parse(document)).toThrow(message);
  });
});
