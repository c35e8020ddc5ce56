// `acai tools list|call`: the host's plugin set loaded from plugins.config.json in the CLI process and
// called through the real call path; `list --url` through the admin API.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forSuite } from '../support/plugin-grants.js';
import { CALL_DEADLINE_MS, START_UP_DEADLINE_MS } from '../support/timing.js';
import { ADMIN_KEY, startAdminTestHost, type AdminTestHost } from './cli-admin-host.js';
import { hasAnsi, REPO_ROOT, runAcai, temporaryFolder } from './cli-support.js';
import { REPO_PLUGINS_CONFIG } from './host-support.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const HOSTILE_FIXTURES = fileURLToPath(new URL('../fixtures/hostile-plugins/', import.meta.url));
const SECRET = 'tb-secret-value-0123456789';

let folder: { path: string; remove(): Promise<void> };
let testbedConfig: string;
let impatientConfig: string;

beforeAll(async () => {
  folder = await temporaryFolder('acai-cli-tools-');
  testbedConfig = join(folder.path, 'testbed.config.json');
  impatientConfig = join(folder.path, 'impatient.config.json');
  // Granted what they ask, as `acai plugin add --yes` would (the testbed asks for the loopback network): the sandbox is not this suite's subject.
  const plugins = [
    { name: 'testbed', path: join(FIXTURES, 'testbed'), config: { apiKey: '${TESTBED_API_KEY}' } },
    { name: 'throws-on-import', path: join(FIXTURES, 'throws-on-import') },
  ].map((entry) => forSuite(entry, folder.path));
  await writeFile(testbedConfig, JSON.stringify({ defaults: { policy: { timeoutMs: CALL_DEADLINE_MS, maxOutputBytes: 256 } }, plugins }));
  // A short call timeout, only for the call that waits it out: no healthy call has to beat it.
  await writeFile(impatientConfig, JSON.stringify({ defaults: { policy: { timeoutMs: 200 } }, plugins }));
});

afterAll(async () => {
  await folder?.remove();
});

const repoEnv = () => ({ PLUGINS_CONFIG: REPO_PLUGINS_CONFIG, ACAI_DATA_DIR: join(folder.path, 'data') });
const testbedEnv = (config = testbedConfig) => ({ PLUGINS_CONFIG: config, ACAI_DATA_DIR: join(folder.path, 'data'), TESTBED_API_KEY: SECRET });

describe('acai tools list', () => {
  it('lists the tools of the configured plugins as the host loads them', async () => {
    const result = await runAcai(['tools', 'list'], { env: repoEnv(), cwd: REPO_ROOT });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TOOL +PLUGIN +VERSION +DESCRIPTION$/);
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(expect.arrayContaining(['datetime__get_current_time', 'weather__get_forecast', 'holidays__list_holidays']));
    expect(hasAnsi(result.stdout)).toBe(false);
  });

  it('prints the schemas as JSON and warns on stderr about plugins that failed to load', async () => {
    const result = await runAcai(['tools', 'list', '--json'], { env: testbedEnv() });
    expect(result.code).toBe(0);
    const tools = JSON.parse(result.stdout) as Array<{ exposedName: string; parameters: unknown; schemaFingerprint: string }>;
    expect(tools.find((tool) => tool.exposedName === 'testbed__echo_text')).toMatchObject({ parameters: { type: 'object' }, schemaFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(result.stderr).toMatch(/^acai: warning: plugin throws-on-import failed to load \(HOST_PLUGIN_IMPORT_FAILED: /);
  });

  it('asks a running host with --url', async () => {
    const admin: AdminTestHost = await startAdminTestHost(REPO_PLUGINS_CONFIG, join(folder.path, 'admin-data'));
    try {
      const result = await runAcai(['tools', 'list', '--url', admin.url, '--api-key', ADMIN_KEY]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^datetime__get_current_time +datetime +1\.0\.0 +/m);
    } finally {
      await admin.close();
    }
  });
});

describe('acai tools call', () => {
  it('runs a worker-mode plugin in a worker, as the host does: a busy loop times out instead of hanging the CLI', async () => {
    const config = join(folder.path, 'busy.config.json');
    await writeFile(config, JSON.stringify({ plugins: [{ name: 'busy-loop', path: join(HOSTILE_FIXTURES, 'busy-loop'), mode: 'worker', policy: { timeoutMs: 300, setupTimeoutMs: START_UP_DEADLINE_MS } }] }));
    const env = { PLUGINS_CONFIG: config, ACAI_DATA_DIR: join(folder.path, 'data'), PLUGIN_WORKER_HARD_DEADLINE_MS: '1000' };
    const spun = await runAcai(['tools', 'call', 'busy-loop__spin_forever', '--args', '{}'], { env });
    expect(spun.code).toBe(1);
    expect(spun.stdout).toMatch(/^busy-loop__spin_forever → timeout/);
  });

  it('runs a tool through the call path and prints what the model sees', async () => {
    const result = await runAcai(['tools', 'call', 'datetime__get_current_time', '--args', '{"time_zone":"Asia/Tokyo"}'], { env: repoEnv() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^datetime__get_current_time → ok in \d+ ms \(datetime 1\.0\.0, schema [0-9a-f]{16}\)\nCurrent time in Asia\/Tokyo: /);
  });

  it('prints the full result as JSON and the tool metrics', async () => {
    const result = await runAcai(['tools', 'call', 'testbed__echo_text', '--args', '{"text":"ab","times":3}', '--json', '--metrics'], { env: testbedEnv() });
    expect(result.code).toBe(0);
    const [json, metrics] = result.stdout.split('\n\n');
    expect(JSON.parse(json!)).toMatchObject({ outcome: 'ok', content: 'ababab', data: { length: 6 }, plugin: { name: 'testbed', version: '1.4.2' }, tool: 'echo_text' });
    expect(metrics).toContain('acai_tool_calls_total{plugin="testbed",tool="echo_text",outcome="ok"} 1');
    expect(metrics).toMatch(/acai_tool_call_duration_seconds_count\{plugin="testbed",tool="echo_text"\} 1/);
  });

  it('refuses invalid arguments in the call path: exit 1, the model-readable error, a validation metric', async () => {
    const result = await runAcai(['tools', 'call', 'testbed__echo_text', '--args', '{"text":"","times":9,"extra":true}', '--metrics'], { env: testbedEnv() });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/testbed__echo_text → invalid_input/);
    expect(result.stdout).toMatch(/\{"error":\{"code":"INVALID_INPUT",/);
    expect(result.stdout).toContain('acai_tool_argument_validation_failures_total{plugin="testbed",tool="echo_text"} 1');
    expect(result.stderr).toMatch(/^acai: testbed__echo_text: invalid_input: INVALID_INPUT: .*\n$/);
  });

  it('passes broken JSON to the call path with --raw, which answers invalid_input', async () => {
    const result = await runAcai(['tools', 'call', 'testbed__echo_text', '--raw', '--args', '{"text": "unterminated'], { env: testbedEnv() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid_input: INVALID_INPUT: .*JSON/i);
  });

  it('applies the plugin policy: the output cap and the call timeout', async () => {
    const capped = await runAcai(['tools', 'call', 'testbed__big_output', '--args', '{"bytes":5000}'], { env: testbedEnv() });
    expect(capped.code).toBe(0);
    expect(capped.stdout).toMatch(/BEGINx+\n…\[\d+ bytes truncated\]…\nx+END\n\(the model sees this capped form; the full result is 5008 bytes, see --json\)\n$/);
    const slow = await runAcai(['tools', 'call', 'testbed__wait_forever'], { env: testbedEnv(impatientConfig) });
    expect(slow.code).toBe(1);
    expect(slow.stderr).toBe('acai: testbed__wait_forever: timeout: TIMEOUT: The tool "wait_forever" did not finish within 200 ms.\n');
  });

  it('scrubs the plugin secrets from what it prints', async () => {
    const returned = await runAcai(['tools', 'call', 'testbed__leak_secret', '--args', '{"fail":false}', '--json'], { env: testbedEnv() });
    expect(returned.code).toBe(0);
    expect(returned.stdout).not.toContain(SECRET);
    expect(JSON.parse(returned.stdout)).toMatchObject({ content: 'the key is [REDACTED]', data: { key: '[REDACTED]' } });
    const thrown = await runAcai(['tools', 'call', 'testbed__leak_secret', '--args', '{"fail":true}'], { env: testbedEnv() });
    expect(thrown.code).toBe(1);
    expect(thrown.stdout + thrown.stderr).not.toContain(SECRET);
    expect(thrown.stderr).toContain('provider rejected key [REDACTED]');
  });

  it('reports a crashing tool as an error outcome without a stack trace', async () => {
    const result = await runAcai(['tools', 'call', 'testbed__crash_now'], { env: testbedEnv() });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('acai: testbed__crash_now: error: INTERNAL: The tool failed unexpectedly: Cannot read properties of undefined\n');
  });

  it('names the available tools for an unknown one', async () => {
    const result = await runAcai(['tools', 'call', 'testbed__nope'], { env: testbedEnv() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^acai: testbed__nope: unknown_tool: NOT_FOUND: There is no tool named "testbed__nope"\. Available tools: testbed__echo_text, /);
  });

  it.each([
    [['tools', 'call', 'testbed__echo_text', '--args', '{text:1}'], /--args is not valid JSON/],
    [['tools', 'call', 'testbed__echo_text', '--args', '[1,2]'], /--args must be a JSON object/],
    [['tools', 'call', 'testbed__echo_text', '--args', `{"text":"${'x'.repeat(1024 * 1024)}"}`], /--args is larger than 1024 KiB/],
    [['tools', 'call', 'testbed__echo_text', '--raw', '--args', 'x'.repeat(1024 * 1024 + 1)], /--args is larger than 1024 KiB/],
    [['tools', 'call'], /missing the tool name/],
    [['tools', 'call', 'a', '{"x":1}'], /unexpected argument .*pass the arguments with --args/],
    [['tools', 'call', 'a', '--url', 'http://127.0.0.1:1'], /--url is for tools list/],
    [['tools', 'frobnicate'], /unknown subcommand "frobnicate"/],
  ])('refuses %j with exit 2 before loading any plugin', async (argv, message) => {
    const result = await runAcai(argv, { env: testbedEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('explains an invalid plugins config file in one line', async () => {
    const broken = join(folder.path, 'broken.json');
    await writeFile(broken, '{"plugins": [{"name": "xy"}]}');
    const result = await runAcai(['tools', 'list', '--config', broken], { env: {} });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^acai: broken\.json is invalid: broken\.json › xy: set exactly one of "package", "path", "tarball" or "mcp" \(found none\)\n$/);
  });
});
