// The plugin author's journey with the real `acai` binary in a temporary folder: create → npm install →
// npm test → npm run build → npm pack → validate/test → `acai plugin add` the tarball → start the host →
// the tool is listed and called through the chat loop (fake model) → `acai plugin disable` → gone after
// a reload (admin API) and after a restart. npm reaches the registry for the dev tools; the SDK comes
// from this repository's folder.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { scaledMs } from '../support/timing.js';
import { ADMIN_KEY, startAdminTestHost } from './cli-admin-host.js';
import { childPath, REPO_ROOT, runAcaiBinary, stripAnsi, temporaryFolder } from './cli-support.js';
import { CHAT_MODEL, fakeModelEnv, startTestHost, TITLE_MODEL, type RunningTestHost } from './host-support.js';

const run = promisify(execFile);
const TOOL = 'greeter__format_greeting';

let fake: FakeOpenAIServer;
let work: { path: string; remove(): Promise<void> };
let pluginDir: string;
let hostDir: string;
let configPath: string;

/** The model: greets through the plugin tool when it is offered and the user asks for a greeting. */
function greetingModel(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Greeting Ada' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content)}` };
  const offered = body.tools?.some((tool) => tool.function.name === TOOL) === true;
  if (offered) return { type: 'tool_calls', calls: [{ name: TOOL, arguments: { name: 'Ada', language: 'es' } }] };
  return { type: 'text', content: 'I have no greeting tool.' };
}

const npm = (args: string[]) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: pluginDir,
    env: { PATH: childPath(), HOME: homedir(), npm_config_update_notifier: 'false' },
    timeout: scaledMs(240_000),
    maxBuffer: 16 * 1024 * 1024,
  });

const acai = (argv: string[], cwd: string = work.path, env: Record<string, string> = {}) => runAcaiBinary(argv, { cwd, env });

function hostEnv(): Record<string, string> {
  return { ...fakeModelEnv(fake), PLUGINS_CONFIG: configPath, ACAI_DATA_DIR: join(hostDir, 'data'), AUTH_DISABLED: 'true', RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_BURST: '1000' };
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(greetingModel);
  work = await temporaryFolder('acai-journey-');
  pluginDir = join(work.path, 'acai-plugin-greeter');
  hostDir = join(work.path, 'host');
  configPath = join(hostDir, 'plugins.config.json');
});

afterAll(async () => {
  await fake?.close();
  await work?.remove();
});

describe('a plugin author, from scaffold to a running host', () => {
  let host: RunningTestHost | undefined;
  afterAll(async () => {
    await host?.close();
  });

  it('scaffolds a plugin that installs, tests, builds and packs', { timeout: scaledMs(300_000) }, async () => {
    const created = await acai(['plugin', 'create', 'greeter', '--description', 'Greets people by name']);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`Created acai-plugin-greeter in acai-plugin-greeter`);
    expect(created.stdout).toContain(`SDK: file:${join(REPO_ROOT, 'plugin-sdk')}`);
    const refused = await acai(['plugin', 'create', 'greeter']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/acai-plugin-greeter is not empty/);

    await npm(['install']);
    const tested = await npm(['test']);
    expect(stripAnsi(tested.stdout)).toMatch(/Tests +4 passed \(4\)/);
    await npm(['run', 'build']);
    const packed = await npm(['pack', '--silent']);
    expect(packed.stdout.trim().split('\n').at(-1)).toBe('acai-plugin-greeter-0.1.0.tgz');
  });

  it('passes the host load checks and the conformance run', async () => {
    const validated = await acai(['plugin', 'validate', '.'], pluginDir);
    expect(validated.code).toBe(0);
    expect(validated.stdout).toContain(`tools: ${TOOL}`);
    const tested = await acai(['plugin', 'test', './acai-plugin-greeter-0.1.0.tgz'], pluginDir);
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(/PASSED: \d+ passed, 0 warnings, 0 failed, 1 skipped\n$/);
  });

  it('adds the tarball to a host config; the started host lists the tool and the chat loop calls it', async () => {
    const added = await acai(['plugin', 'add', join(pluginDir, 'acai-plugin-greeter-0.1.0.tgz'), '--config', configPath]);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`Added greeter 0.1.0 to ${configPath}`);
    expect(JSON.parse(await readFile(configPath, 'utf8')).plugins).toEqual([{ name: 'greeter', tarball: join(pluginDir, 'acai-plugin-greeter-0.1.0.tgz') }]);

    const listed = await acai(['tools', 'list'], hostDir, hostEnv());
    expect(listed.stdout).toMatch(new RegExp(`^${TOOL} +greeter +0\\.1\\.0 +Greets a person by name`, 'm'));

    host = await startTestHost(hostEnv());
    const chat = await acai(['chat', '-m', 'Please greet Ada in Spanish', '--json', '--url', host.url], work.path, { XDG_STATE_HOME: work.path });
    expect(chat.code).toBe(0);
    const response = JSON.parse(chat.stdout);
    expect(response.reply).toBe('The tool said: Hola, Ada!');
    expect(response.tool_calls).toEqual([expect.objectContaining({ name: TOOL, plugin: 'greeter', plugin_version: '0.1.0', outcome: 'ok', arguments: '{"name":"Ada","language":"es"}' })]);
  });

  it('disables it: a reloading host drops the tool at once, a restarted host never offers it', async () => {
    const admin = await startAdminTestHost(configPath, join(hostDir, 'admin-data'));
    try {
      expect(admin.host.listTools().map((tool) => tool.exposedName)).toEqual([TOOL]);
      const disabled = await acai(['plugin', 'disable', 'greeter', '--config', configPath, '--url', admin.url, '--api-key', ADMIN_KEY]);
      expect(disabled.code).toBe(0);
      expect(disabled.stdout).toContain(`Disabled greeter in ${configPath}`);
      expect(admin.host.listTools()).toEqual([]);
    } finally {
      await admin.close();
    }

    await host!.close();
    host = await startTestHost(hostEnv());
    const before = fake.completionBodies(CHAT_MODEL).length;
    const chat = await acai(['chat', '-m', 'Please greet Ada in Spanish', '--url', host.url], work.path, { XDG_STATE_HOME: join(work.path, 'fresh') });
    expect(chat).toMatchObject({ code: 0, stdout: 'I have no greeting tool.\n' });
    const offered = fake.completionBodies(CHAT_MODEL).slice(before).flatMap((body) => body.tools?.map((tool) => tool.function.name) ?? []);
    expect(offered).not.toContain(TOOL);
    const listed = await acai(['tools', 'list'], hostDir, hostEnv());
    expect(listed.stdout).toBe('No tools: no plugin is enabled and loaded. See `acai plugin list`.\n');
  });
});
