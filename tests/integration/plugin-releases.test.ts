// Installed releases in a running host, on the real loader and ReloadablePluginHost: each release in its
// own folder under acai-plugins/ (laid out as `acai plugin add` lays it out), verified against its
// recorded integrity at every load; a newer release that breaks the served tool schemas without a major
// bump is refused, and the release served before keeps serving — across reloads and restarts; the
// signature policy refuses unsigned and untrusted packages and loads a signed one.
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { integrityOf } from '../../core/src/plugin-host/integrity/package-integrity.js';
import { RELEASE_ARCHIVE_NAME, releaseFolder } from '../../core/src/plugin-host/install/installed-release.js';
import { readPackageTarball } from '../../core/src/plugin-host/integrity/read-package-tarball.js';
import { signPackage, SIGNATURE_FILE_NAME } from '../../core/src/plugin-host/signatures/package-signature.js';
import { generateSigningKeyPair, readPrivateKeyPem } from '../../core/src/plugin-host/signatures/signing-key.js';
import { ToolSchemaLedger } from '../../core/src/plugin-host/index.js';
import { pack, startReloadTestbed, type ForecastRelease, type ReloadTestbed } from './reload-support.js';

const testbeds: ReloadTestbed[] = [];
const scratch: string[] = [];
afterEach(async () => {
  for (const testbed of testbeds.splice(0)) await testbed.close();
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

const PACKAGE = '@acai-fixtures/plugin-forecast';

/**
 * Installs a forecast release into `<testbed>/acai-plugins/forecast/<version>/` the way `acai plugin add`
 * does (without npm: the fixture has no dependencies): package.json naming the archive, the archive kept
 * as package.tgz, and the package extracted into node_modules. `prepare` may change the package first
 * (to sign it). Returns the `installed` block for the config.
 */
async function install(testbed: ReloadTestbed, version: ForecastRelease, prepare?: (packageDir: string) => Promise<void>): Promise<{ version: string; integrity: string }> {
  const source = await mkdtemp(join(testbed.dir, 'source-'));
  await cp(testbed.fixture(`forecast-${version}`), source, { recursive: true });
  await prepare?.(source);
  const folder = releaseFolder(join(testbed.dir, 'acai-plugins'), 'forecast', version);
  await mkdir(join(folder, 'node_modules', '@acai-fixtures'), { recursive: true });
  await pack(source, join(folder, RELEASE_ARCHIVE_NAME), testbed.dir);
  await writeFile(join(folder, 'package.json'), JSON.stringify({ name: 'acai-plugin-release', private: true, dependencies: { [PACKAGE]: `file:${RELEASE_ARCHIVE_NAME}` } }));
  const archive = await readFile(join(folder, RELEASE_ARCHIVE_NAME));
  for (const file of readPackageTarball(archive)) {
    await mkdir(join(folder, 'node_modules', PACKAGE, file.path, '..'), { recursive: true });
    await writeFile(join(folder, 'node_modules', PACKAGE, file.path), file.content);
  }
  return { version, integrity: integrityOf(archive) };
}

function entry(installed: { version: string; integrity: string }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'forecast', package: PACKAGE, version: '>=1.0.0', installed, mode: 'inline', ...extra };
}

async function testbedWith(plugins: Array<Record<string, unknown>>, ledgerPath?: string): Promise<ReloadTestbed> {
  const testbed = await startReloadTestbed(plugins, ledgerPath === undefined ? {} : { schemaLedger: new ToolSchemaLedger(ledgerPath) });
  testbeds.push(testbed);
  return testbed;
}

/** A testbed whose first set is forecast 1.0.0, installed. */
async function servingRelease100(ledgerPath?: string): Promise<{ testbed: ReloadTestbed; release100: { version: string; integrity: string } }> {
  const testbed = await testbedWith([], ledgerPath);
  const release100 = await install(testbed, '1.0.0');
  await testbed.writeConfig([entry(release100)]);
  await testbed.host.reload('admin');

  expect(testbed.host.listPlugins()[0]).toMatchObject({ name: 'forecast', version: '1.0.0', state: 'loaded', installed: release100 });
  return { testbed, release100 };
}

describe('installed releases in a running host', () => {
  it('refuses a minor release that breaks the served schemas; the last good release keeps serving, and says so', async () => {
    const { testbed } = await servingRelease100();
    const release130 = await install(testbed, '1.3.0');
    await testbed.writeConfig([entry(release130)]);
    const result = await testbed.host.reload('admin');
    expect(result.failed).toEqual([]);
    const [status] = testbed.host.listPlugins();
    expect(status).toMatchObject({ version: '1.0.0', state: 'loaded', refusedRelease: { version: '1.3.0', code: 'HOST_PLUGIN_BREAKING_CHANGE' } });
    expect(status?.refusedRelease?.message).toMatch(/release 1\.3\.0 breaks the tool parameters of 1\.0\.0 without a major version bump: forecast__get_forecast \/properties\/units: a new required property\. Its author should publish it as 2\.0\.0/);
    expect(status).not.toHaveProperty('error');
    const call = await testbed.host.callTool('forecast__get_forecast', { city: 'Lisbon' });
    expect(call).toMatchObject({ outcome: 'ok', content: 'Sunny in Lisbon' });
    expect(testbed.lines.some((line) => line.level === 40 && line.msg === 'release 1.3.0 was not loaded (HOST_PLUGIN_BREAKING_CHANGE); the last good release 1.0.0 keeps serving')).toBe(true);
  });

  it('keeps the last good release serving when the upgrade fails to import or its setup throws', async () => {
    const { testbed } = await servingRelease100();
    // Two releases, since an inline module that failed to import stays failed under its URL in this process.
    const failures = [
      { release: '1.1.0', code: 'HOST_PLUGIN_IMPORT_FAILED', change: () => "throw new Error('release 1.1.0 cannot start');\n" },
      {
        release: '1.2.0',
        code: 'HOST_PLUGIN_SETUP_FAILED',
        change: (original: string) => original.replace("name: 'forecast',", "name: 'forecast',\n  setup() { throw new Error('the provider refused the key'); },"),
      },
    ] as const;
    for (const failure of failures) {
      const broken = await install(testbed, failure.release, async (packageDir) => {
        const index = join(packageDir, 'index.js');
        const original = await readFile(index, 'utf8');
        const changed = failure.change(original);
        expect(changed).not.toBe(original);
        await writeFile(index, changed);
      });
      await testbed.writeConfig([entry(broken)]);
      await testbed.host.reload('admin');
      const [status] = testbed.host.listPlugins();
      expect(status, failure.code).toMatchObject({ version: '1.0.0', state: 'loaded', refusedRelease: { version: failure.release, code: failure.code } });
      expect(await testbed.host.callTool('forecast__get_forecast', { city: 'Faro' })).toMatchObject({ outcome: 'ok', content: 'Sunny in Faro' });
    }
  });

  it('loads a breaking release the operator accepted, and a major one', async () => {
    const { testbed } = await servingRelease100();
    const release130 = await install(testbed, '1.3.0');
    await testbed.writeConfig([entry(release130, { acceptBreakingRelease: '1.3.0' })]);
    await testbed.host.reload('admin');
    expect(testbed.host.listPlugins()[0]).toMatchObject({ version: '1.3.0', state: 'loaded' });
    expect(testbed.host.listPlugins()[0]).not.toHaveProperty('refusedRelease');
    const release200 = await install(testbed, '2.0.0');
    await testbed.writeConfig([entry(release200)]);
    await testbed.host.reload('admin');
    expect(testbed.host.listPlugins()[0]).toMatchObject({ version: '2.0.0', state: 'loaded' });
  });

  it('falls back after a restart too: the ledger remembers the release served and its integrity', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acai-ledger-'));
    scratch.push(dir);
    const ledgerPath = join(dir, 'tool-schemas.json');
    const { testbed, release100 } = await servingRelease100(ledgerPath);
    const release130 = await install(testbed, '1.3.0');
    await testbed.writeConfig([entry(release130)]);
    await testbed.host.dispose();
    expect(JSON.parse(await readFile(ledgerPath, 'utf8')).tools['forecast__get_forecast']).toMatchObject({ pluginVersion: '1.0.0', pluginIntegrity: release100.integrity });

    // The same folder, config and ledger: a host started again serves 1.0.0 and reports 1.3.0 as refused.
    const restarted = await startReloadTestbed([entry(release130)], { schemaLedger: new ToolSchemaLedger(ledgerPath), dir: testbed.dir });
    testbeds.push(restarted);
    expect(restarted.host.listPlugins()[0]).toMatchObject({ version: '1.0.0', state: 'loaded', refusedRelease: { version: '1.3.0', code: 'HOST_PLUGIN_BREAKING_CHANGE' } });
    expect(await restarted.host.callTool('forecast__get_forecast', { city: 'Porto' })).toMatchObject({ outcome: 'ok', content: 'Sunny in Porto' });
  });

  it('refuses a release whose installed files were changed, with no fallback to the same release', async () => {
    const { testbed, release100 } = await servingRelease100();
    await appendFile(join(releaseFolder(join(testbed.dir, 'acai-plugins'), 'forecast', '1.0.0'), 'node_modules', PACKAGE, 'index.js'), '\nglobalThis.stolen = 1;\n');
    await testbed.writeConfig([entry(release100, { policy: { timeoutMs: 4000 } })]);
    await testbed.host.reload('admin');
    expect(testbed.host.listPlugins()[0]).toMatchObject({
      state: 'failed',
      error: { code: 'HOST_PLUGIN_INTEGRITY_MISMATCH', message: expect.stringContaining('index.js differs from the published file') },
    });
  });

  it('refuses, under policy "required", an unsigned package and one signed by an untrusted key, and loads a signed and trusted one', async () => {
    const testbed = await testbedWith([]);
    const author = generateSigningKeyPair();
    const signed = await install(testbed, '1.0.0', async (packageDir) => {
      const files = new Map<string, Buffer>();
      for (const name of ['index.js', 'package.json']) files.set(name, await readFile(join(packageDir, name)));
      const manifest = JSON.parse(files.get('package.json')!.toString()) as { name: string; version: string };
      await writeFile(join(packageDir, SIGNATURE_FILE_NAME), JSON.stringify(signPackage(manifest, files, readPrivateKeyPem(author.privateKeyPem, 'author.pem'))));
    });
    const unsigned = await install(testbed, '1.1.0');
    const required = { signatures: { policy: 'required' } };

    await testbed.writeConfig([entry(unsigned)], required);
    await testbed.host.reload('admin');
    expect(testbed.host.listPlugins()[0]).toMatchObject({ state: 'failed', error: { code: 'HOST_PLUGIN_SIGNATURE_MISSING' } });

    await testbed.writeConfig([entry(signed)], required);
    await testbed.host.reload('admin');
    const untrusted = testbed.host.listPlugins()[0];
    expect(untrusted).toMatchObject({ state: 'failed', error: { code: 'HOST_PLUGIN_SIGNATURE_UNTRUSTED' } });
    expect(untrusted?.error?.message).toContain(`signed by key ${author.fingerprint}, which is not in the trust store ${join(testbed.dir, 'trusted-keys')}`);

    await mkdir(join(testbed.dir, 'trusted-keys'));
    await writeFile(join(testbed.dir, 'trusted-keys', 'author.pub'), author.publicKeyPem);
    await testbed.host.reload('admin');
    expect(testbed.host.listPlugins()[0]).toMatchObject({ state: 'loaded', version: '1.0.0', signer: author.fingerprint });

    // A warn policy loads the unsigned release and says why it would not under "required".
    await testbed.writeConfig([entry(unsigned)], { signatures: { policy: 'warn' } });
    await testbed.host.reload('admin');
    expect(testbed.host.loadReport().plugins[0]).toMatchObject({ state: 'loaded', warnings: [expect.stringMatching(/the package is not signed \(no acai-signature\.json\) \(signatures\.policy is "warn"\)/)] });
  });

  it('refuses a release folder that is missing, naming the fix', async () => {
    const testbed = await testbedWith([]);
    await testbed.writeConfig([entry({ version: '1.0.0', integrity: `sha512-${'A'.repeat(86)}==` })]);
    await testbed.host.reload('admin');
    expect(testbed.host.listPlugins()[0]).toMatchObject({
      state: 'failed',
      error: { code: 'HOST_PLUGIN_NOT_FOUND', message: expect.stringMatching(/release 1\.0\.0 is not installed in .*acai-plugins\/forecast\/1\.0\.0\. Run `acai plugin upgrade forecast` to install it/) },
    });
  });
});
