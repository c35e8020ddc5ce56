// `acai plugin add | enable | disable | list` on temporary plugins.config.json files, with fixture
// plugins loaded by the host's real loader; `--url` against a real admin API.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixtureServerPermissions, forSuite } from '../support/plugin-grants.js';
import { START_UP_DEADLINE_MS } from '../support/timing.js';
import { ADMIN_KEY, CHAT_ONLY_KEY, startAdminTestHost, type AdminTestHost } from './cli-admin-host.js';
import { childPath, hasAnsi, REPO_ROOT, runAcai, temporaryFolder, unusedUrl } from './cli-support.js';

const run = promisify(execFile);
const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const HOSTILE = fileURLToPath(new URL('../fixtures/hostile-plugins/', import.meta.url));
const MCP_SERVERS = fileURLToPath(new URL('../fixtures/mcp-servers/', import.meta.url));
/** What a fixture MCP server asks for (in its "mcp" block) and is granted: reading its folder and the installed packages. */
const MCP_SERVER_PERMISSIONS = fixtureServerPermissions();
/** The fixture MCP server's "mcp" block, listing only tools that pass the checks. */
const MCP_BLOCK = { command: process.execPath, args: [join(MCP_SERVERS, 'stdio-server.js'), '--only=do_nothing,echo'], permissions: MCP_SERVER_PERMISSIONS.request };
/** Both fixture plugins added here ask to reach 127.0.0.1; `--yes` grants it and `acai plugin add` writes the grant. */
const LOOPBACK_GRANT = { network: ['127.0.0.1'] };
/**
 * The defaults of the config files these tests write: the MCP server is a Node process started below
 * the host's priority, which on a busy machine takes longer than the default 10 s to answer initialize.
 */
const DEFAULTS = { policy: { setupTimeoutMs: START_UP_DEADLINE_MS } };

let folder: { path: string; remove(): Promise<void> };
let configPath: string;
let testbedTarball: string;
let packs: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  // `npm pack`, as a plugin author makes a release.
  packs = await temporaryFolder('acai-cli-packs-');
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', packs.path, join(FIXTURES, 'testbed')], { env: { PATH: childPath(), HOME: packs.path } });
  testbedTarball = join(packs.path, stdout.trim().split('\n').at(-1)!);
});

afterAll(async () => {
  await packs?.remove();
});

beforeEach(async () => {
  folder = await temporaryFolder('acai-cli-plugins-');
  configPath = join(folder.path, 'plugins.config.json');
  // An installed first-party package, as `npm install @acai/plugin-datetime` would leave it.
  await mkdir(join(folder.path, 'node_modules', '@acai'), { recursive: true });
  await symlink(join(REPO_ROOT, 'plugins', 'datetime'), join(folder.path, 'node_modules', '@acai', 'plugin-datetime'), 'dir');
});

afterEach(async () => {
  await folder.remove();
});

const acai = (argv: string[]) => runAcai(argv, { cwd: folder.path, env: {} });
const config = async () => JSON.parse(await readFile(configPath, 'utf8')) as { $schema?: string; plugins: Array<Record<string, unknown>> };

describe('acai plugin add', () => {
  it('creates plugins.config.json and adds a plugin folder under its declared name, after the host checks', async () => {
    const added = await acai(['plugin', 'add', join(HOSTILE, 'healthy'), '--yes']);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('healthy asks for:\n  - network: 127.0.0.1\nGranted (--yes).\n');
    expect(added.stdout).toContain(`Added healthy 1.0.0 to ${configPath}`);
    expect(added.stdout).toContain('tools: healthy__echo_text, healthy__do_nothing');
    expect(hasAnsi(added.stdout)).toBe(false);
    const written = await config();
    expect(written.$schema).toMatch(/core\/schemas\/plugins\.config\.schema\.json$/);
    expect(written.plugins).toEqual([{ name: 'healthy', path: join(HOSTILE, 'healthy'), permissions: LOOPBACK_GRANT }]);
  });

  it('adds a tarball (disabled), an installed package with a range and plugin config, keeping earlier entries', async () => {
    await writeFile(configPath, '{\n    "plugins": []\n}\n');
    expect((await acai(['plugin', 'add', testbedTarball, '--disabled', '--yes'])).code).toBe(0);
    const added = await acai(['plugin', 'add', '@acai/plugin-datetime@^1.0.0', '--plugin-config', '{}']);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('tools: datetime__get_current_time');
    // The tarball is installed (with its dependencies, it has none) into acai-plugins/, pinned by version and integrity.
    expect((await config()).plugins).toEqual([
      { name: 'testbed', tarball: testbedTarball, installed: { version: '1.4.2', integrity: expect.stringMatching(/^sha512-[A-Za-z0-9+/]{86}==$/) }, enabled: false, permissions: LOOPBACK_GRANT },
      { name: 'datetime', package: '@acai/plugin-datetime', version: '^1.0.0', config: {} },
    ]);
    expect(await readFile(join(folder.path, 'acai-plugins', 'testbed', '1.4.2', 'package.json'), 'utf8')).toContain('"@acai-fixtures/plugin-testbed": "file:package.tgz"');
    expect(await readFile(configPath, 'utf8')).toMatch(/^\{\n {4}"plugins": \[\n {8}\{\n {12}"name": "testbed",/);
  });

  it('refuses a plugin that fails a load check and leaves the file alone, unless --force', async () => {
    await writeFile(configPath, '{ "plugins": [] }\n');
    const refused = await acai(['plugin', 'add', join(FIXTURES, 'host-mismatch')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^acai: not added: HOST_PLUGIN_HOST_MISMATCH: plugins\.config\.json › host-mismatch .*>=5\.0\.0.* \(fix the plugin, or pass --force to add it anyway\)\n$/);
    expect(await readFile(configPath, 'utf8')).toBe('{ "plugins": [] }\n');
    const forced = await acai(['plugin', 'add', join(FIXTURES, 'host-mismatch'), '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('warning: it fails the "HOST_PLUGIN_HOST_MISMATCH" check');
    expect((await config()).plugins).toHaveLength(1);
  });

  it('names a plugin that cannot be imported after its package and reports the import failure', async () => {
    const refused = await acai(['plugin', 'add', join(FIXTURES, 'throws-on-import')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^acai: not added: HOST_PLUGIN_IMPORT_FAILED: plugins\.config\.json › throws-on-import /);
  });

  it('refuses a package the registry cannot provide with npm\'s reason, installing nothing and leaving the file alone', async () => {
    await writeFile(configPath, '{ "plugins": [] }\n');
    const registry = await unusedUrl();
    const refused = await runAcai(['plugin', 'add', '@acai/plugin-not-installed', '--registry', registry], { cwd: folder.path, env: { npm_config_fetch_retries: '0' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^acai: downloading @acai\/plugin-not-installed@latest failed: .*(ECONNREFUSED|connect)/);
    expect(await readFile(configPath, 'utf8')).toBe('{ "plugins": [] }\n');
    expect(await readdir(join(folder.path, 'acai-plugins'))).toEqual([]);
  });

  it('refuses a second entry for the same plugin, before asking for its permissions', async () => {
    expect((await acai(['plugin', 'add', join(HOSTILE, 'healthy'), '--yes'])).code).toBe(0);
    const again = await acai(['plugin', 'add', join(HOSTILE, 'healthy')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/a plugin named "healthy" is already in .*; use `acai plugin enable healthy`/);
  });

  it.each([
    [['plugin', 'add'], 2, /missing the plugin source/],
    [['plugin', 'add', '../../../../../../../../etc'], 1, /has no package\.json/],
    [['plugin', 'add', 'Not A Package!'], 2, /not a plugin folder, a tarball \(\.tgz\) or a valid npm package name/],
    [['plugin', 'add', './missing-1.0.0.tgz'], 1, /no tarball at/],
    [['plugin', 'add', '@acai/plugin-datetime', '--plugin-config', '[1]'], 2, /--plugin-config must be a JSON object/],
    [['plugin', 'add', '@acai/plugin-datetime', '--plugin-config', '{nope'], 2, /--plugin-config is not valid JSON/],
    [['plugin', 'add', join(HOSTILE, 'healthy'), '--version', '^1.0.0'], 2, /--version applies to package and MCP sources/],
    [['plugin', 'add', '--mcp', '{"command":"node"}'], 2, /--mcp needs --name <name>/],
    [['plugin', 'add', '--mcp', '[]', '--name', 'files'], 2, /--mcp must be a JSON object/],
    [['plugin', 'add', join(HOSTILE, 'healthy'), '--mcp', '{"command":"node"}', '--name', 'files'], 2, /unexpected argument/],
    [['plugin', 'add', join(HOSTILE, 'healthy'), '--name', 'files'], 2, /--name applies to --mcp/],
    [['plugin', 'add', 'a', 'b'], 2, /unexpected argument "b"/],
  ])('refuses %j (exit %i) with one line', async (argv, code, message) => {
    const result = await acai(argv);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('adds an MCP server under the given name after the host checks, keeping ${VAR} references in the file', async () => {
    await writeFile(configPath, JSON.stringify({ defaults: DEFAULTS, plugins: [] }));
    const block = { ...MCP_BLOCK, env: { FIXTURE_SECRET: '${CLI_MCP_SECRET}' } };
    const added = await runAcai(['plugin', 'add', '--mcp', JSON.stringify(block), '--name', 'files', '--version', '^1.0.0', '--yes'], { cwd: folder.path, env: { CLI_MCP_SECRET: 'cli-secret-123456' } });
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`Added files 1.4.0 to ${configPath}`);
    expect(added.stdout).toContain('tools: files__do_nothing, files__echo');
    expect(added.stdout).not.toContain('cli-secret-123456');
    // The grant is written in the host's order (sorted).
    expect((await config()).plugins).toEqual([{ name: 'files', mcp: block, version: '^1.0.0', permissions: { read: [...MCP_SERVER_PERMISSIONS.grant.read].sort() } }]);
  });

  it('refuses an MCP server that fails a check and leaves the file alone', async () => {
    const original = `${JSON.stringify({ defaults: DEFAULTS, plugins: [] })}\n`;
    await writeFile(configPath, original);
    const garbled = { command: process.execPath, args: [join(MCP_SERVERS, 'malformed-server.js')], permissions: MCP_SERVER_PERMISSIONS.request };
    const refused = await acai(['plugin', 'add', '--mcp', JSON.stringify(garbled), '--name', 'garbled', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^acai: not added: HOST_PLUGIN_MCP_PROTOCOL_ERROR: plugins\.config\.json › garbled \(mcp stdio .*\): the server wrote a line that is not a JSON-RPC message/);
    expect(await readFile(configPath, 'utf8')).toBe(original);
  });

  it('refuses to edit a plugins.config.json that is not valid JSON', async () => {
    await writeFile(configPath, '{ "plugins": [ { "name": "x", } ] }');
    const result = await acai(['plugin', 'add', join(HOSTILE, 'healthy')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`acai: ${configPath} is not valid JSON: expected a property name at line 1\n`);
  });

  it('refuses to write a file the host would reject, quoting the host config check', async () => {
    await writeFile(configPath, '{ "plugins": [ { "name": "old", "path": "./old", "colour": "blue" } ] }');
    const result = await acai(['plugin', 'add', join(HOSTILE, 'healthy')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^acai: plugins\.config\.json is invalid: plugins\.config\.json › old › colour: is not an allowed property/);
    expect(await readFile(configPath, 'utf8')).toContain('"colour": "blue" } ] }');
  });
});

describe('acai plugin enable / disable', () => {
  const ORIGINAL = `{
  "$schema": "./schema.json",
  "defaults": { "policy": { "timeoutMs": 5000 } },
  "plugins": [
    { "name": "datetime", "package": "@acai/plugin-datetime" },
    {
      "name": "healthy",
      "path": "${join(HOSTILE, 'healthy')}",
      "enabled": false
    }
  ]
}
`;

  it('flips "enabled" in place, keeping every other byte', async () => {
    await writeFile(configPath, ORIGINAL);
    const disabled = await acai(['plugin', 'disable', 'datetime']);
    expect(disabled).toMatchObject({ code: 0, stdout: expect.stringContaining(`Disabled datetime in ${configPath}`) });
    const enabled = await acai(['plugin', 'enable', 'healthy']);
    expect(enabled.code).toBe(0);
    expect(await readFile(configPath, 'utf8')).toBe(
      ORIGINAL.replace('"name": "datetime",', '"name": "datetime", "enabled": false,').replace('"enabled": false\n', '"enabled": true\n'),
    );
    const again = await acai(['plugin', 'enable', 'healthy']);
    expect(again.stdout).toBe(`healthy is already enabled in ${configPath}\n`);
  });

  it.each([
    [['plugin', 'disable', 'nope'], 1, /no plugin "nope" in .* \(configured: datetime, healthy\); add it with `acai plugin add`/],
    [['plugin', 'disable', '../datetime'], 2, /invalid plugin name "\.\.\/datetime"/],
    [['plugin', 'disable', 'constructor'], 1, /no plugin "constructor"/],
    [['plugin', 'enable'], 2, /missing the plugin name/],
    [['plugin', 'enable', 'datetime', '--config', '/nonexistent/x.json'], 1, /\/nonexistent\/x\.json does not exist/],
  ])('refuses %j (exit %i)', async (argv, code, message) => {
    await writeFile(configPath, ORIGINAL);
    const result = await acai(argv);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(await readFile(configPath, 'utf8')).toBe(ORIGINAL);
  });
});

describe('acai plugin list', () => {
  beforeEach(async () => {
    await writeFile(
      configPath,
      JSON.stringify({
        defaults: DEFAULTS,
        plugins: [
          { name: 'datetime', package: '@acai/plugin-datetime', version: '^1.0.0' },
          { name: 'healthy', path: join(HOSTILE, 'healthy'), enabled: false },
          { name: 'host-mismatch', path: join(FIXTURES, 'host-mismatch') },
          { name: 'sdk-mismatch', path: join(FIXTURES, 'sdk-mismatch'), enabled: false },
          { name: 'throws-on-import', path: join(FIXTURES, 'throws-on-import') },
          { name: 'pinned', package: '@acai/plugin-datetime', version: '^2.0.0', enabled: false },
          { name: 'files', mcp: MCP_BLOCK, permissions: MCP_SERVER_PERMISSIONS.grant },
          { name: 'remote', mcp: { url: 'http://127.0.0.1:9/mcp' }, enabled: false },
        ].map((entry) => forSuite(entry, folder.path)),
      }),
    );
  });

  it('shows version, compatibility, state and tools of every configured plugin', async () => {
    const result = await acai(['plugin', 'list']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME +VERSION +KIND +COMPATIBLE +STATE +SANDBOX +TOOLS$/);
    const row = (name: string) => lines.find((line) => line.startsWith(`${name} `))?.split(/ {2,}/);
    expect(row('datetime')).toEqual(['datetime', '1.0.0', 'npm', 'yes', 'enabled', 'first-party', expect.stringContaining('datetime__get_current_time, datetime__convert_time')]);
    expect(row('healthy')).toEqual(['healthy', '1.0.0', 'npm', 'yes', 'disabled', '-', '-']);
    expect(row('host-mismatch')).toEqual(['host-mismatch', '1.0.0', 'npm', 'no', 'failed', '-', '-']);
    expect(row('sdk-mismatch')).toEqual(['sdk-mismatch', '1.0.0', 'npm', 'no', 'disabled', '-', '-']);
    expect(row('throws-on-import')).toEqual(['throws-on-import', '1.0.0', 'npm', 'yes', 'failed', 'bubblewrap', '-']);
    expect(row('pinned')).toEqual(['pinned', '1.0.0', 'npm', 'no', 'disabled', '-', '-']);
    expect(row('files')).toEqual(['files', '1.4.0', 'mcp stdio', 'yes', 'enabled', 'bubblewrap', 'files__do_nothing, files__echo']);
    // A disabled MCP server is not started, so its version is not known.
    expect(row('remote')).toEqual(['remote', '?', 'mcp http', 'unknown', 'disabled', '-', '-']);
    expect(result.stdout).toMatch(/! host-mismatch: HOST_PLUGIN_HOST_MISMATCH: /);
    expect(result.stdout).toMatch(/! sdk-mismatch: .*\^2\.0\.0/);
    expect(result.stdout).toMatch(/! throws-on-import: HOST_PLUGIN_IMPORT_FAILED: /);
    expect(result.stdout).toMatch(/! pinned: .*\^2\.0\.0/);
  });

  it('prints the same facts as JSON', async () => {
    const rows = JSON.parse((await acai(['plugin', 'list', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(rows.map((entry) => [entry.name, entry.kind, entry.state, entry.compatible])).toEqual([
      ['datetime', 'npm', 'enabled', 'yes'],
      ['healthy', 'npm', 'disabled', 'yes'],
      ['host-mismatch', 'npm', 'failed', 'no'],
      ['sdk-mismatch', 'npm', 'disabled', 'no'],
      ['throws-on-import', 'npm', 'failed', 'yes'],
      ['pinned', 'npm', 'disabled', 'no'],
      ['files', 'mcp', 'enabled', 'yes'],
      ['remote', 'mcp', 'disabled', 'unknown'],
    ]);
    expect(rows.find((entry) => entry.name === 'files')).toMatchObject({ transport: 'stdio', version: '1.4.0' });
  });

  it('refuses --url together with --config', async () => {
    const result = await acai(['plugin', 'list', '--url', 'http://127.0.0.1:1', '--config', configPath]);
    expect(result.code).toBe(2);
  });
});

describe('against a running host (--url, admin API)', () => {
  let admin: AdminTestHost;

  beforeEach(async () => {
    await writeFile(
      configPath,
      JSON.stringify(
        {
          defaults: DEFAULTS,
          plugins: [
            { name: 'healthy', path: join(HOSTILE, 'healthy'), permissions: LOOPBACK_GRANT },
            { name: 'datetime', package: '@acai/plugin-datetime' },
            { name: 'files', mcp: MCP_BLOCK, permissions: MCP_SERVER_PERMISSIONS.grant },
          ],
        },
        null,
        2,
      ),
    );
    admin = await startAdminTestHost(configPath, join(folder.path, 'data'));
  });

  afterEach(async () => {
    await admin.close();
  });

  it('lists the host plugins with their state and tools', async () => {
    const result = await acai(['plugin', 'list', '--url', admin.url, '--api-key', ADMIN_KEY]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^healthy +1\.0\.0 +npm +yes +enabled +bubblewrap +healthy__echo_text, /m);
    expect(result.stdout).toMatch(/^datetime +1\.0\.0 +npm +yes +enabled +first-party +datetime__get_current_time, /m);
    expect(result.stdout).toMatch(/^files +1\.4\.0 +mcp stdio +yes +enabled +bubblewrap +files__do_nothing, files__echo$/m);
  });

  it('disables a plugin in the file and makes the host reload, after which its tools are gone', async () => {
    const result = await runAcai(['plugin', 'disable', 'healthy', '--url', admin.url], { cwd: folder.path, env: { ACAI_API_KEY: ADMIN_KEY } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Reloaded http:\/\/127\.0\.0\.1:\d+ \(generation 2; reloaded: healthy\)|Reloaded http:\/\/127\.0\.0\.1:\d+ \(generation 2/);
    expect(admin.host.listTools().some((tool) => tool.plugin === 'healthy')).toBe(false);
    const listed = JSON.parse((await acai(['plugin', 'list', '--url', admin.url, '--api-key', ADMIN_KEY, '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(listed.find((entry) => entry.name === 'healthy')).toMatchObject({ state: 'disabled', tools: [] });
  });

  it('explains a key without the admin scope, after saving the file', async () => {
    const result = await acai(['plugin', 'disable', 'healthy', '--url', admin.url, '--api-key', CHAT_ONLY_KEY]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^acai: the file was saved, but the host did not reload: permission_denied: .*"admin" scope\)\n$/);
    expect(JSON.parse(await readFile(configPath, 'utf8')).plugins[0].enabled).toBe(false);
    const listed = await acai(['plugin', 'list', '--url', admin.url]);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(/^acai: unauthenticated: .*\(pass --api-key or set ACAI_API_KEY\)\n$/);
  });
});
