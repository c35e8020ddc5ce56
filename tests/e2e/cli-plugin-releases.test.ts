// `acai plugin upgrade | remove | validate --against | keygen | sign | verify | trust` with the real CLI in
// this process on temporary folders, with fixture releases packed like `npm pack` (no dependencies, so npm
// installs them without a registry). The registry side is in registry-ecosystem.test.ts.
import { appendFile, cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pack } from '../integration/reload-support.js';
import { runAcai, temporaryFolder } from './cli-support.js';

const HOSTILE = fileURLToPath(new URL('../fixtures/hostile-plugins/', import.meta.url));

let releases: { path: string; remove(): Promise<void> };
let folder: { path: string; remove(): Promise<void> };
let configPath: string;
const tarball = (version: string) => join(releases.path, `forecast-${version}.tgz`);

beforeAll(async () => {
  releases = await temporaryFolder('acai-cli-releases-');
  for (const version of ['1.0.0', '1.1.0', '1.3.0', '2.0.0']) await pack(join(HOSTILE, `forecast-${version}`), tarball(version), releases.path);
});
afterAll(async () => {
  await releases?.remove();
});
beforeEach(async () => {
  folder = await temporaryFolder('acai-cli-upgrade-');
  configPath = join(folder.path, 'plugins.config.json');
  return () => folder.remove();
});

const acai = (argv: string[], env: Record<string, string> = {}) => runAcai(argv, { cwd: folder.path, env });
const config = async () => JSON.parse(await readFile(configPath, 'utf8')) as { plugins: Array<Record<string, unknown>> };

describe('acai plugin upgrade', () => {
  it('installs the new release next to the old one and switches the entry; the same archive again changes nothing', async () => {
    expect((await acai(['plugin', 'add', tarball('1.0.0')])).code).toBe(0);
    const upgraded = await acai(['plugin', 'upgrade', 'forecast', tarball('1.1.0')]);
    expect(upgraded.code).toBe(0);
    expect(upgraded.stdout).toMatch(/^Upgraded forecast 1\.0\.0 → 1\.1\.0 in /);
    expect((await config()).plugins[0]).toMatchObject({ name: 'forecast', tarball: tarball('1.1.0'), installed: { version: '1.1.0' } });
    expect((await readdir(join(folder.path, 'acai-plugins', 'forecast'))).sort()).toEqual(['1.0.0', '1.1.0']);
    const again = await acai(['plugin', 'upgrade', 'forecast', tarball('1.1.0')]);
    expect(again).toMatchObject({ code: 0, stdout: 'forecast is already at 1.1.0 (the same archive).\n' });
  });

  it('refuses a minor release that breaks the tool schemas, changing nothing; --accept-breaking takes it and records that', async () => {
    await acai(['plugin', 'add', tarball('1.1.0')]);
    const before = await readFile(configPath, 'utf8');
    const refused = await acai(['plugin', 'upgrade', 'forecast', tarball('1.3.0')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'acai: not upgraded: 1.3.0 breaks the tool parameters of 1.1.0 without a major version bump: get_forecast /properties/units: a new required property. ' +
        'It should have been published as 2.0.0; 1.1.0 stays. Take it anyway with `acai plugin upgrade forecast --accept-breaking`.\n',
    );
    expect(await readFile(configPath, 'utf8')).toBe(before);
    expect(await readdir(join(folder.path, 'acai-plugins', 'forecast'))).toEqual(['1.1.0']);

    const accepted = await acai(['plugin', 'upgrade', 'forecast', tarball('1.3.0'), '--accept-breaking']);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('accepted: tool schemas may break callers of 1.1.0 ("acceptBreakingRelease": "1.3.0")');
    expect((await config()).plugins[0]).toMatchObject({ installed: { version: '1.3.0' }, acceptBreakingRelease: '1.3.0' });
    // A major release announces its breaking change; the earlier acceptance does not linger.
    expect((await acai(['plugin', 'upgrade', 'forecast', tarball('2.0.0')])).code).toBe(0);
    expect((await config()).plugins[0]).not.toHaveProperty('acceptBreakingRelease');
  });

  it('--force writes a breaking release with a warning (the host still refuses it)', async () => {
    await acai(['plugin', 'add', tarball('1.1.0')]);
    const forced = await acai(['plugin', 'upgrade', 'forecast', tarball('1.3.0'), '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('warning: 1.3.0 breaks the tool parameters of 1.1.0 without a major version bump');
    expect((await config()).plugins[0]).toMatchObject({ installed: { version: '1.3.0' } });
  });

  it.each([
    [['plugin', 'upgrade'], 2, /missing the plugin name/],
    [['plugin', 'upgrade', 'forecast', 'a.tgz', 'b'], 2, /unexpected argument "b"/],
    [['plugin', 'upgrade', 'forecast', '--to', 'not a range'], 2, /--to "not a range" is not a version or range/],
    [['plugin', 'upgrade', 'forecast', '--registry', 'file:///etc/passwd'], 2, /--registry must be an http or https URL/],
    [['plugin', 'upgrade', 'forecast'], 2, /forecast was installed from a tarball: give the new archive/],
    [['plugin', 'upgrade', 'nope'], 1, /no plugin "nope" in .*; add it with `acai plugin add`/],
    [['plugin', 'upgrade', 'healthy'], 1, /healthy is a plugin folder \("path"\), used in place; only installed packages and tarballs are upgraded/],
  ])('refuses %j (exit %i)', async (argv, code, message) => {
    await acai(['plugin', 'add', tarball('1.0.0')]);
    await acai(['plugin', 'add', join(HOSTILE, 'healthy'), '--yes']); // it asks for a loopback host: granted without a prompt
    const result = await acai(argv);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('refuses an archive that is not a package, or another plugin', async () => {
    await acai(['plugin', 'add', tarball('1.0.0')]);
    await writeFile(join(folder.path, 'junk.tgz'), 'not an archive');
    expect((await acai(['plugin', 'upgrade', 'forecast', 'junk.tgz'])).stderr).toMatch(/is not a package archive made by `npm pack`: not a gzip archive/);
    const other = join(releases.path, 'healthy.tgz');
    await pack(join(HOSTILE, 'healthy'), other, releases.path);
    expect((await acai(['plugin', 'upgrade', 'forecast', other])).stderr).toMatch(/not upgraded: the new release declares the plugin "healthy", not "forecast"/);
  });
});

describe('acai plugin remove', () => {
  it('takes the entry out and uninstalls its releases; a folder plugin only leaves the file', async () => {
    await acai(['plugin', 'add', tarball('1.0.0')]);
    await acai(['plugin', 'add', join(HOSTILE, 'healthy'), '--yes']); // it asks for a loopback host: granted without a prompt
    const removed = await acai(['plugin', 'remove', 'forecast']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`Removed forecast from ${configPath} and its releases from ${join(folder.path, 'acai-plugins', 'forecast')}`);
    expect((await config()).plugins.map((entry) => entry.name)).toEqual(['healthy']);
    expect(await readdir(join(folder.path, 'acai-plugins'))).toEqual([]);
    expect((await acai(['plugin', 'remove', 'healthy'])).code).toBe(0);
    expect((await config()).plugins).toEqual([]);
    expect((await stat(join(HOSTILE, 'healthy', 'package.json'))).isFile()).toBe(true);
    expect((await acai(['plugin', 'remove', 'healthy'])).stderr).toMatch(/no plugin "healthy" in/);
  });
});

describe('acai plugin validate --against', () => {
  it('fails a minor release that breaks a published one, naming each change and the version it needs', async () => {
    const source = join(HOSTILE, 'forecast-1.3.0');
    const result = await acai(['plugin', 'validate', source, '--against', tarball('1.1.0')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`Compared with ${tarball('1.1.0')}:\n  ✗ get_forecast /properties/units: a new required property\nBreaking: these changes need a major release: publish 2.0.0 (or later), not 1.3.0.\n`);
    expect(result.stderr).toBe(`acai: forecast 1.3.0 breaks callers of ${tarball('1.1.0')}: publish it as 2.0.0\n`);
    const json = await acai(['plugin', 'validate', source, '--against', tarball('1.1.0'), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, comparison: { baselineVersion: '1.1.0', version: '1.3.0', requiredVersion: '2.0.0', breaks: [{ tool: 'get_forecast', path: '/properties/units' }] } });
  });

  it('passes a major release with breaking changes, and a compatible one', async () => {
    const major = await acai(['plugin', 'validate', join(HOSTILE, 'forecast-2.0.0'), '--against', tarball('1.3.0')]);
    expect(major.code).toBe(0);
    expect(major.stdout).toContain('OK: 2.0.0 announces the breaking changes with its major version.');
    const compatible = await acai(['plugin', 'validate', join(HOSTILE, 'forecast-1.1.0'), '--against', tarball('1.0.0')]);
    expect(compatible.code).toBe(0);
    expect(compatible.stdout).toContain('✓ every tool accepts what 1.0.0 accepted');
    const same = await acai(['plugin', 'validate', join(HOSTILE, 'forecast-1.0.0'), '--against', tarball('1.0.0')]);
    expect(same.stdout).toContain('note: 1.0.0 is not newer than 1.0.0; bump the version before publishing');
  });
});

describe('signing: keygen, sign, verify, trust', () => {
  it('signs a package folder, verifies it and its tarball, trusts the key, and refuses tampering', async () => {
    const plugin = join(folder.path, 'plugin');
    await cp(join(HOSTILE, 'forecast-1.0.0'), plugin, { recursive: true });
    const keygen = await acai(['plugin', 'keygen', '--out', 'keys/author.pem']);
    expect(keygen.code).toBe(0);
    const fingerprint = /fingerprint: (SHA256:\S+)/.exec(keygen.stdout)![1]!;
    expect(((await stat(join(folder.path, 'keys', 'author.pem'))).mode & 0o777).toString(8)).toBe('600');
    expect((await acai(['plugin', 'keygen', '--out', 'keys/author.pem'])).stderr).toMatch(/author\.pem already exists; choose another --out \(a key is never overwritten\)/);

    const signed = await acai(['plugin', 'sign', 'plugin', '--key', 'keys/author.pem']);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toContain(`Signed @acai-fixtures/plugin-forecast@1.0.0: 2 files, key ${fingerprint}`);
    const verified = await acai(['plugin', 'verify', 'plugin']);
    expect(verified.stdout).toMatch(new RegExp(`a valid signature by ${fingerprint.replace(/[+/]/g, '\\$&')}; 2 files match \\(no trust store`));

    // An operator with a trust store: untrusted until the key is added.
    const untrusted = await acai(['plugin', 'verify', 'plugin', '--trusted-keys', 'trusted']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain(`is signed by ${fingerprint}, which is not in the trust store ${join(folder.path, 'trusted')}`);
    expect((await acai(['plugin', 'trust', 'add', 'keys/author.pem.pub', '--trusted-keys', 'trusted'])).stdout).toMatch(/^Trusted SHA256:/);
    expect((await acai(['plugin', 'trust', 'add', 'keys/author.pem.pub', '--trusted-keys', 'trusted'])).stdout).toMatch(/is already trusted/);
    expect((await acai(['plugin', 'verify', 'plugin', '--trusted-keys', 'trusted'])).stdout).toContain(`signed by ${fingerprint}, trusted`);
    expect(JSON.parse((await acai(['plugin', 'trust', 'list', '--trusted-keys', 'trusted', '--json'])).stdout)).toEqual([{ fingerprint, file: expect.stringMatching(/trusted\/SHA256-.*\.pub$/) }]);

    await appendFile(join(plugin, 'index.js'), '\n// changed after signing\n');
    const tampered = await acai(['plugin', 'verify', 'plugin']);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toBe(`acai: @acai-fixtures/plugin-forecast@1.0.0: the signature by ${fingerprint} is invalid: index.js was changed after signing\n`);
    expect((await acai(['plugin', 'trust', 'remove', fingerprint, '--trusted-keys', 'trusted'])).code).toBe(0);
    expect((await acai(['plugin', 'trust', 'list', '--trusted-keys', 'trusted'])).stdout).toMatch(/^No trusted keys in /);
  });

  it('refuses to sign without a key, with a key that is not Ed25519, or when npm would not publish the signature', async () => {
    const plugin = join(folder.path, 'plugin');
    await cp(join(HOSTILE, 'forecast-1.0.0'), plugin, { recursive: true });
    expect((await acai(['plugin', 'sign', 'plugin'])).stderr).toMatch(/missing --key <private-key\.pem>/);
    await writeFile(join(folder.path, 'not-a-key.pem'), 'hello');
    expect((await acai(['plugin', 'sign', 'plugin', '--key', 'not-a-key.pem'])).stderr).toMatch(/not-a-key\.pem is not a PEM private key/);
    await acai(['plugin', 'keygen', '--out', 'key.pem']);
    const manifest = JSON.parse(await readFile(join(plugin, 'package.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(plugin, 'package.json'), JSON.stringify({ ...manifest, files: ['index.js'] }));
    const refused = await acai(['plugin', 'sign', 'plugin', '--key', 'key.pem']);
    expect(refused.stderr).toMatch(/npm would not publish acai-signature\.json: add it to "files" in .*package\.json and sign again/);
    expect(await readdir(plugin)).not.toContain('acai-signature.json');
    expect((await acai(['plugin', 'verify', 'plugin'])).stderr).toMatch(/is not signed \(no acai-signature\.json; sign it with `acai plugin sign`\)/);
  });

  it('refuses a trust-store entry that is not an Ed25519 public key', async () => {
    await writeFile(join(folder.path, 'junk.pub'), 'not a key');
    const result = await acai(['plugin', 'trust', 'add', 'junk.pub', '--trusted-keys', 'trusted']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/junk\.pub is not a PEM public key/);
    expect((await acai(['plugin', 'trust', 'frobnicate'])).stderr).toMatch(/unknown action "frobnicate"/);
  });
});

describe('hostile archives', () => {
  it.each([
    ['a version that climbs out of the install folder', { name: '@acai-fixtures/plugin-forecast', version: '../../../escape' }, /is not a semver version/],
    ['a name that climbs out of node_modules', { name: '../../escape', version: '1.0.0' }, /is not an npm package name/],
  ])('refuses %s before installing anything', async (_case, manifest, message) => {
    const source = join(folder.path, 'hostile-source');
    await cp(join(HOSTILE, 'forecast-1.0.0'), source, { recursive: true });
    const original = JSON.parse(await readFile(join(source, 'package.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(source, 'package.json'), JSON.stringify({ ...original, ...manifest }));
    const archive = join(folder.path, 'hostile.tgz');
    await pack(source, archive, folder.path);
    const result = await acai(['plugin', 'add', archive]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(await readdir(join(folder.path, 'acai-plugins'))).toEqual([]);
    expect((await readdir(join(folder.path, '..'))).includes('escape')).toBe(false);
  });
});
