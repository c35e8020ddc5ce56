// The plugin ecosystem end to end against a real npm registry (verdaccio on loopback, uplink-free),
// with no host checkout on either side: the checkout publishes the SDK, create-acai-plugin, the host
// and the CLI; an author scaffolds a plugin with `npm create`, gives it a runtime dependency, tests,
// validates (with `npx @acai/cli`) and publishes it; an operator installs the CLI globally, installs
// the plugin by name and range, runs the host (`acai serve`) and chats with the fake model, which
// calls the tool. Then a schema-breaking 1.1.0 is refused on both sides while 1.0.0 keeps serving, a
// tampered installed file is refused, and signature policy "required" refuses unsigned and untrusted
// packages and loads a signed one. Every npm command talks to the local registry only.
import { execFile } from 'node:child_process';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcosystemRegistry, type EcosystemRegistry } from '../registry/ecosystem-registry.js';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { temporaryFolder, type CliRun } from './cli-support.js';
import { startHostProcess, type HostProcess } from './edge-support.js';
import { fakeModelEnv, TITLE_MODEL } from './host-support.js';

const TOOL = 'duration__format_duration';
const ADMIN_KEY = 'acai_registry_e2e_admin_key_0123456789';
// A fresh registry, publishes of a whole host, cold npm caches and installs of a few hundred packages.
const SLOW = { timeout: 1_200_000 } as const;

let fake: FakeOpenAIServer;
let ecosystem: EcosystemRegistry;
let work: { path: string; remove(): Promise<void> };
let pluginDir: string;
let hostDir: string;
let configPath: string;
let host: HostProcess | undefined;

/** The model: asked "How long is <n> ms?", it calls the duration tool when offered, then repeats its answer. */
function durationModel(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Durations' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content)}` };
  const asked = /How long is (\d+) ms\?/.exec(typeof last?.content === 'string' ? last.content : '');
  if (asked !== null && body.tools?.some((tool) => tool.function.name === TOOL) === true) {
    return { type: 'tool_calls', calls: [{ name: TOOL, arguments: { milliseconds: Number(asked[1]) } }] };
  }
  return { type: 'text', content: 'I have no duration tool.' };
}

/** A command run as the registry's user (its HOME, .npmrc and PATH); never throws, the exit code is in the result. */
function runAs(command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(command, [...args], { cwd, env: { ...ecosystem.npm.env, ...env }, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

const npm = (args: readonly string[], cwd = pluginDir) => runAs('npm', args, cwd);
const npx = (args: readonly string[], cwd = pluginDir) => runAs('npx', ['--yes', '@acai/cli', ...args], cwd);
/** The globally installed `acai` (npm install --global @acai/cli), in the host's folder. */
const acai = (args: readonly string[], cwd = hostDir) => runAs('acai', args, cwd, { PLUGINS_CONFIG: configPath });

function expectOk(result: CliRun, what: string): void {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
}

/** The plugin's one tool: formats milliseconds with `ms`; `withLong` adds a required parameter (the breaking change). */
async function writeDurationTool(withLong: boolean): Promise<void> {
  const long = withLong ? "\n      long: { type: 'boolean', description: 'Spell the unit out.' }," : '';
  await writeFile(
    join(pluginDir, 'src', 'format-duration.ts'),
    `import { defineTool } from '@acai/plugin-sdk';
import ms from 'ms';

export const formatDuration = defineTool({
  name: 'format_duration',
  description: 'Formats a duration given in milliseconds for people, e.g. 60000 as 1m.',
  parameters: {
    type: 'object',
    properties: {
      milliseconds: { type: 'integer', minimum: 0, maximum: 31536000000, description: 'The duration.' },${long}
    },
    required: ['milliseconds'${withLong ? ", 'long'" : ''}],
    additionalProperties: false,
  },
  idempotent: true,
  execute(args) {
    return { content: ms(args.milliseconds${withLong ? ', { long: args.long }' : ''}) };
  },
});
`,
  );
}

async function readConfig(): Promise<{ plugins: Array<Record<string, unknown>>; signatures?: unknown }> {
  return JSON.parse(await readFile(configPath, 'utf8')) as { plugins: Array<Record<string, unknown>> };
}

async function listPlugins(): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${host!.url}/twirp/acai.admin.PluginService/ListPlugins`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: '{}',
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { plugins: Array<Record<string, unknown>> }).plugins;
}

async function chat(message: string): Promise<{ reply: string; tool_calls?: Array<Record<string, unknown>> }> {
  const result = await acai(['chat', '-m', message, '--json', '--url', host!.url, '--api-key', ADMIN_KEY]);
  expectOk(result, 'acai chat');
  return JSON.parse(result.stdout) as { reply: string; tool_calls?: Array<Record<string, unknown>> };
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(durationModel);
  ecosystem = await startEcosystemRegistry();
  work = await temporaryFolder('acai-ecosystem-');
  pluginDir = join(work.path, 'author', 'acai-plugin-duration');
  hostDir = join(work.path, 'operator');
  configPath = join(hostDir, 'plugins.config.json');
  await mkdir(join(work.path, 'author'), { recursive: true });
  await mkdir(hostDir, { recursive: true });
}, 1_800_000);

afterAll(async () => {
  await host?.stop();
  await ecosystem?.close();
  await fake?.close();
  await work?.remove();
});

describe('the plugin ecosystem through a registry, with no host checkout', () => {
  it('serves the packages published from the checkout, the CLI with its shrinkwrap', async () => {
    for (const name of ['@acai/plugin-sdk', '@acai/core', '@acai/cli', 'create-acai-plugin']) {
      const response = await fetch(new URL(name.replace('/', '%2f'), ecosystem.registry.url));
      expect(response.status, name).toBe(200);
    }
    const cli = (await (await fetch(new URL('@acai%2fcli', ecosystem.registry.url))).json()) as { versions: Record<string, { _hasShrinkwrap?: boolean; bin?: unknown }> };
    expect(cli.versions['0.1.0']).toMatchObject({ _hasShrinkwrap: true, bin: { acai: './bin/acai.js' } });
  });

  it('scaffolds a plugin with npm create, gives it a runtime dependency, tests, validates and publishes it', SLOW, async () => {
    expectOk(await npm(['create', 'acai-plugin', 'duration', '--', '--description', 'Formats durations', '--author', 'Ada'], join(work.path, 'author')), 'npm create acai-plugin');
    expect(JSON.parse(await readFile(join(pluginDir, 'package.json'), 'utf8')).devDependencies['@acai/plugin-sdk']).toBe('^1.0.0');
    expectOk(await npm(['install', 'ms@^2.1.3']), 'npm install ms');
    // ms ships no types; a two-line declaration does.
    await writeFile(join(pluginDir, 'src', 'ms.d.ts'), "declare module 'ms' {\n  export default function ms(milliseconds: number, options?: { long?: boolean }): string;\n}\n");
    await writeDurationTool(false);
    await writeFile(join(pluginDir, 'src', 'index.ts'), "import { definePlugin } from '@acai/plugin-sdk';\nimport { formatDuration } from './format-duration.js';\n\nexport default definePlugin({ name: 'duration', description: 'Formats durations.', tools: [formatDuration] });\n");
    await writeFile(
      join(pluginDir, 'src', 'index.test.ts'),
      "import { fileURLToPath } from 'node:url';\nimport { createHarness } from '@acai/plugin-sdk/testing';\nimport { expect, it } from 'vitest';\nimport plugin from './index.js';\n\nit('formats a minute', async () => {\n  const harness = await createHarness(plugin, { packageJson: fileURLToPath(new URL('../package.json', import.meta.url)) });\n  expect(await harness.call('format_duration', { milliseconds: 60000 })).toMatchObject({ ok: true, content: '1m' });\n});\n",
    );
    expectOk(await npm(['version', '1.0.0', '--no-git-tag-version']), 'npm version');
    expectOk(await npm(['test']), 'npm test');
    expectOk(await npm(['run', 'build']), 'npm run build');

    const validated = await npx(['plugin', 'validate', '.']);
    expectOk(validated, 'npx @acai/cli plugin validate .');
    expect(validated.stdout).toContain(`tools: ${TOOL}`);
    // The packed archive carries its dependency the same way: validate installs it, with `ms`, first.
    const packed = await npm(['pack', '--silent']);
    expectOk(packed, 'npm pack');
    const tarball = await npx(['plugin', 'validate', `./${packed.stdout.trim().split('\n').at(-1)}`]);
    expectOk(tarball, 'validate the tarball');
    expect(tarball.stdout).toContain('  ✓ dependencies\n');
    expectOk(await npm(['publish']), 'npm publish');
  });

  it('installs the CLI globally, and the plugin by name and range into its own folder, recording version and integrity', SLOW, async () => {
    expectOk(await npm(['install', '--global', '@acai/cli'], work.path), 'npm install --global @acai/cli');
    const version = await acai(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });

    const added = await acai(['plugin', 'add', 'acai-plugin-duration@^1.0.0']);
    expectOk(added, 'acai plugin add');
    expect(added.stdout).toContain(`Added duration 1.0.0 to ${configPath}`);
    const packument = (await (await fetch(new URL('acai-plugin-duration', ecosystem.registry.url))).json()) as { versions: Record<string, { dist: { integrity: string } }> };
    const [entry] = (await readConfig()).plugins;
    expect(entry).toEqual({ name: 'duration', package: 'acai-plugin-duration', version: '^1.0.0', installed: { version: '1.0.0', integrity: packument.versions['1.0.0']!.dist.integrity } });
    // The dependency tree is the release's own; the operator's folder has no npm project of its own.
    const release = join(hostDir, 'acai-plugins', 'duration', '1.0.0');
    expect(JSON.parse(await readFile(join(release, 'package-lock.json'), 'utf8')).packages).toHaveProperty(['node_modules/ms']);
    expect((await readdir(hostDir)).sort()).toEqual(['acai-plugins', 'plugins.config.json']);
  });

  it('runs the host with it; a chat turn with the fake model calls the tool', SLOW, async () => {
    host = await startHostProcess(
      { ...ecosystem.npm.env, ...fakeModelEnv(fake), PLUGINS_CONFIG: configPath, ACAI_DATA_DIR: join(hostDir, '.acai-data'), ACAI_API_KEYS: `${ADMIN_KEY}:ops:admin+chat`, PLUGINS_WATCH: 'false' },
      { command: ['acai', 'serve'], cwd: hostDir },
    );
    const response = await chat('How long is 60000 ms?');
    expect(response.reply).toBe('The tool said: 1m');
    expect(response.tool_calls).toEqual([expect.objectContaining({ name: TOOL, plugin: 'duration', plugin_version: '1.0.0', outcome: 'ok' })]);
  });

  it('refuses a schema-breaking 1.1.0 on the author side, in `acai plugin upgrade` and in the host; 1.0.0 keeps serving', SLOW, async () => {
    await writeDurationTool(true);
    expectOk(await npm(['version', '1.1.0', '--no-git-tag-version']), 'npm version');
    expectOk(await npm(['run', 'build']), 'npm run build');
    const guarded = await npx(['plugin', 'validate', '.', '--against', 'acai-plugin-duration@^1.0.0']);
    expect(guarded.code).toBe(1);
    expect(guarded.stdout).toContain('Compared with acai-plugin-duration@1.0.0:\n  ✗ format_duration /properties/long: a new required property\n');
    expect(guarded.stdout).toContain('publish 2.0.0 (or later), not 1.1.0');
    expectOk(await npm(['publish']), 'npm publish 1.1.0 all the same');

    const before = await readFile(configPath, 'utf8');
    const refused = await acai(['plugin', 'upgrade', 'duration']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^acai: not upgraded: 1\.1\.0 breaks the tool parameters of 1\.0\.0 without a major version bump: format_duration \/properties\/long: a new required property\. It should have been published as 2\.0\.0; 1\.0\.0 stays\./);
    expect(await readFile(configPath, 'utf8')).toBe(before);

    // Forced past the CLI, the host refuses it on its own and keeps serving the release it served before.
    const forced = await acai(['plugin', 'upgrade', 'duration', '--force', '--url', host!.url, '--api-key', ADMIN_KEY]);
    expectOk(forced, 'acai plugin upgrade --force');
    expect((await readConfig()).plugins[0]).toMatchObject({ installed: { version: '1.1.0' } });
    const [plugin] = await listPlugins();
    expect(plugin).toMatchObject({ name: 'duration', version: '1.0.0', state: 'ACTIVE', refused_version: '1.1.0' });
    expect(String(plugin!.last_error)).toMatch(/release 1\.1\.0 breaks the tool parameters of 1\.0\.0/);
    const ready = (await (await fetch(`${host!.url}/readyz`)).json()) as { status: string; checks: Record<string, { message?: string }> };
    expect(ready.status).toBe('degraded');
    expect(JSON.stringify(ready)).toContain('duration 1.1.0 refused (HOST_PLUGIN_BREAKING_CHANGE), 1.0.0 keeps serving');
    const response = await chat('How long is 120000 ms?');
    expect(response.reply).toBe('The tool said: 2m');
    expect(response.tool_calls?.[0]).toMatchObject({ plugin_version: '1.0.0', outcome: 'ok' });
  });

  it('refuses an installed release whose files were changed, naming the file', SLOW, async () => {
    const file = join(hostDir, 'acai-plugins', 'duration', '1.1.0', 'node_modules', 'acai-plugin-duration', 'dist', 'format-duration.js');
    const original = await readFile(file);
    await appendFile(file, '\nglobalThis.stolen = process.env;\n');
    const listed = await acai(['plugin', 'list', '--json']);
    const [row] = JSON.parse(listed.stdout) as Array<{ state: string; problem?: string }>;
    expect(row?.state).toBe('failed');
    expect(JSON.stringify(row)).toContain('HOST_PLUGIN_INTEGRITY_MISMATCH');
    expect(JSON.stringify(row)).toContain('dist/format-duration.js differs from the published file');
    await writeFile(file, original);
    expect(JSON.parse((await acai(['plugin', 'list', '--json'])).stdout)[0]).toMatchObject({ state: 'enabled' });
  });

  it('under signature policy "required" refuses unsigned and untrusted packages and loads a signed, trusted one', SLOW, async () => {
    const config = await readConfig();
    await writeFile(configPath, `${JSON.stringify({ ...config, signatures: { policy: 'required' } }, null, 2)}\n`);
    const unsigned = await acai(['plugin', 'list', '--json']);
    expect(JSON.stringify(JSON.parse(unsigned.stdout)[0])).toMatch(/HOST_PLUGIN_SIGNATURE_MISSING: .*the package is not signed/);

    // The author signs a compatible 1.0.1 (1.1.0's schema reverted) with a new key and publishes it.
    await writeDurationTool(false);
    expectOk(await npm(['version', '1.0.1', '--no-git-tag-version']), 'npm version');
    expectOk(await npm(['run', 'build']), 'npm run build');
    const keygen = await npx(['plugin', 'keygen', '--out', join(work.path, 'author', 'signing-key.pem')]);
    expectOk(keygen, 'acai plugin keygen');
    const fingerprint = /fingerprint: (SHA256:\S+)/.exec(keygen.stdout)?.[1];
    expect(fingerprint).toMatch(/^SHA256:/);
    expectOk(await npx(['plugin', 'sign', '.', '--key', join(work.path, 'author', 'signing-key.pem')]), 'acai plugin sign');
    expectOk(await npx(['plugin', 'verify', '.']), 'acai plugin verify');
    // 1.1.0 is `latest`: a fix on the 1.0 line is published under a tag of its own, as npm requires.
    expectOk(await npm(['publish', '--tag', 'v1.0-line']), 'npm publish 1.0.1');

    const untrusted = await acai(['plugin', 'upgrade', 'duration', '--to', '1.0.1']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain(`HOST_PLUGIN_SIGNATURE_UNTRUSTED: plugins.config.json › duration (package acai-plugin-duration@1.0.1): signed by key ${fingerprint}, which is not in the trust store`);
    expect(untrusted.stderr).toContain('acai plugin trust add <key.pub>');

    expectOk(await acai(['plugin', 'trust', 'add', join(work.path, 'author', 'signing-key.pem.pub')]), 'acai plugin trust add');
    const upgraded = await acai(['plugin', 'upgrade', 'duration', '--to', '1.0.1', '--url', host!.url, '--api-key', ADMIN_KEY]);
    expectOk(upgraded, 'acai plugin upgrade to the signed release');
    const [plugin] = await listPlugins();
    expect(plugin).toMatchObject({ name: 'duration', version: '1.0.1', state: 'ACTIVE', signer: fingerprint });
    expect(plugin).not.toHaveProperty('refused_version');
    expect((await chat('How long is 60000 ms?')).tool_calls?.[0]).toMatchObject({ plugin_version: '1.0.1', outcome: 'ok' });
  });
});
