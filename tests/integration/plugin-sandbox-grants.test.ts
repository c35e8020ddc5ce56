// The loader's side of permissions and the sandbox, with the real loader and real bubblewrap: a plugin whose
// request exceeds its grant is refused with the block that would grant it; a grant may be wider, never
// narrower; where no sandbox can be made a third-party plugin or stdio server does not load (no silent
// downgrade) unless its entry opts out, which is logged and shown; a sandbox that would show the host's
// data directory is refused.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePluginsConfig } from '../../core/src/config/plugins-config.js';
import type { HostErrorCode } from '../../core/src/errors/index.js';
import type { SandboxSettings } from '../../core/src/plugin-host/place-plugin.js';
import { FIXTURE_SERVER_READ_PATHS } from '../support/plugin-grants.js';
import { FIXTURES_DIR, loadFixtureHost, type FixtureHost } from './plugin-host-support.js';

/** Asks for `network: ["127.0.0.1"]` and `scratch: { sizeMb: 1 }` in its manifest. */
const SNOOP = fileURLToPath(new URL('../fixtures/hostile-plugins/snoop', import.meta.url));
const HOSTILE_SERVER = fileURLToPath(new URL('../fixtures/mcp-servers/hostile-server.js', import.meta.url));
const MISSING_BWRAP: SandboxSettings = { bubblewrapPath: '/nonexistent/acai-test/bwrap' };

const hosts: FixtureHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

/** Loads the entries exactly as written (no suite grants), with the host's sandbox settings. */
async function load(plugins: Array<Record<string, unknown>>, sandbox: SandboxSettings = {}): Promise<FixtureHost> {
  const config = parsePluginsConfig({ plugins }, { path: join(FIXTURES_DIR, 'plugins.config.json'), env: {} });
  const loaded = await loadFixtureHost(config, { sandbox });
  hosts.push(loaded);
  return loaded;
}

function failure(loaded: FixtureHost, name: string): { code: HostErrorCode | undefined; message: string } {
  const plugin = loaded.host.loadReport().plugins.find((candidate) => candidate.name === name);
  expect(plugin?.state).toBe('failed');
  expect(loaded.host.listTools().some((tool) => tool.plugin === name)).toBe(false);
  return { code: plugin?.error?.code, message: plugin?.error?.message ?? '' };
}

const status = (loaded: FixtureHost, name: string) => loaded.host.listPlugins().find((plugin) => plugin.name === name);

describe('a grant', () => {
  it('refuses a plugin that asks for more, naming what is missing and the block that grants it', async () => {
    const loaded = await load([{ name: 'snoop', path: SNOOP, permissions: { network: ['127.0.0.1'] } }]);
    const refused = failure(loaded, 'snoop');
    expect(refused.code).toBe('HOST_PLUGIN_PERMISSION_NOT_GRANTED');
    expect(refused.message).toContain('scratch');
    expect(refused.message).not.toMatch(/missing[^;]*network/);
    // The fix keeps what was granted and adds what is missing.
    expect(refused.message).toContain('"permissions": {"network":["127.0.0.1"],"scratch":{"sizeMb":1}}');
    expect(status(loaded, 'snoop')?.permissions).toMatchObject({ requested: { network: ['127.0.0.1'], scratchMb: 1 }, granted: { network: ['127.0.0.1'] } });
  });

  it('refuses a third-party plugin with no grant at all when it asks for anything', async () => {
    const refused = failure(await load([{ name: 'snoop', path: SNOOP }]), 'snoop');
    expect(refused.code).toBe('HOST_PLUGIN_PERMISSION_NOT_GRANTED');
    expect(refused.message).toMatch(/network.*127\.0\.0\.1/);
  });

  it('may be wider than the request: the plugin then gets exactly the grant, in bubblewrap', async () => {
    const loaded = await load([{ name: 'snoop', path: SNOOP, permissions: { network: ['127.0.0.1', 'api.example.com'], scratch: { sizeMb: 4 } } }]);
    expect(loaded.host.loadReport().plugins[0]).toMatchObject({ name: 'snoop', state: 'loaded' });
    const sandbox = status(loaded, 'snoop')?.sandbox;
    expect(sandbox).toMatchObject({ kind: 'bubblewrap', description: { scratchMb: 4, mayStartProcesses: false } });
    const written = await loaded.host.callTool('snoop__write_file', { path: '/scratch/note' });
    expect(written).toMatchObject({ outcome: 'ok' });
  });

  it('refuses a stdio MCP server whose entry asks for more than it grants', async () => {
    const refused = failure(
      await load([{ name: 'hostile', mcp: { command: process.execPath, args: [HOSTILE_SERVER], permissions: { read: [...FIXTURE_SERVER_READ_PATHS], processes: true } }, permissions: { read: [...FIXTURE_SERVER_READ_PATHS] } }]),
      'hostile',
    );
    expect(refused.code).toBe('HOST_PLUGIN_PERMISSION_NOT_GRANTED');
    expect(refused.message).toContain('processes');
  });
});

describe('no silent downgrade', () => {
  it('does not load a third-party plugin where no sandbox can be made, and says how to fix it', async () => {
    const refused = failure(await load([{ name: 'snoop', path: SNOOP, permissions: { network: ['127.0.0.1'], scratch: { sizeMb: 1 } } }], MISSING_BWRAP), 'snoop');
    expect(refused.code).toBe('HOST_SANDBOX_UNAVAILABLE');
    expect(refused.message).toContain('/nonexistent/acai-test/bwrap');
    expect(refused.message).toMatch(/bubblewrap/);
  });

  it('does not start a stdio MCP server there either', async () => {
    const grant = { read: [...FIXTURE_SERVER_READ_PATHS] };
    const refused = failure(await load([{ name: 'hostile', mcp: { command: process.execPath, args: [HOSTILE_SERVER], permissions: grant }, permissions: grant }], MISSING_BWRAP), 'hostile');
    expect(refused.code).toBe('HOST_SANDBOX_UNAVAILABLE');
  });

  it('runs an entry that opts out with "sandbox": "none", logged loudly and shown as opted out', async () => {
    const loaded = await load([{ name: 'snoop', path: SNOOP, sandbox: 'none', permissions: { network: ['127.0.0.1'], scratch: { sizeMb: 1 } } }], MISSING_BWRAP);
    expect(loaded.host.loadReport().plugins[0]).toMatchObject({ name: 'snoop', state: 'loaded' });
    expect(status(loaded, 'snoop')?.sandbox).toEqual({ kind: 'none', exemption: 'opted-out' });
    expect(loaded.lines.some((line) => line['level'] === 40 && String(line['msg']).includes('WITHOUT a sandbox'))).toBe(true);
  });

  it('refuses "mode": "inline" for a third-party plugin that does not opt out', async () => {
    const refused = failure(await load([{ name: 'snoop', path: SNOOP, mode: 'inline', permissions: { network: ['127.0.0.1'], scratch: { sizeMb: 1 } } }]), 'snoop');
    expect(refused.code).toBe('HOST_PLUGIN_CONFIG_INVALID');
    expect(refused.message).toContain('"sandbox": "none"');
  });
});

describe('a sandbox that would show what it must not', () => {
  it('is refused when a read grant covers the data directory', async () => {
    // loadFixtureHost puts the data directory under the system's temporary folder.
    const refused = failure(await load([{ name: 'snoop', path: SNOOP, permissions: { network: ['127.0.0.1'], scratch: { sizeMb: 1 }, read: [tmpdir()] } }]), 'snoop');
    expect(refused.code).toBe('HOST_SANDBOX_REFUSED');
    expect(refused.message).toContain('data directory');
  });
});
