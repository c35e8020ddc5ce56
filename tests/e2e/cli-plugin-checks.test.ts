// `acai plugin validate` (the host's load checks without a host) and `acai plugin test` (conformance
// through the host's call path with a scripted model) on fixture plugins and a first-party plugin.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_VERSION } from '../../core/src/app.js';
import { MemoryKeyValueStore } from '../../core/src/cache/index.js';
import { parsePluginsConfig } from '../../core/src/config/plugins-config.js';
import { loadPluginHost } from '../../core/src/plugin-host/index.js';
import { fixtureServerPermissions, forSuite } from '../support/plugin-grants.js';
import { scaledMs } from '../support/timing.js';
import { childPath, hasAnsi, REPO_ROOT, runAcai, temporaryFolder } from './cli-support.js';

const run = promisify(execFile);
const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const HOSTILE = fileURLToPath(new URL('../fixtures/hostile-plugins/', import.meta.url));
const MCP_SERVERS = fileURLToPath(new URL('../fixtures/mcp-servers/', import.meta.url));

let folder: { path: string; remove(): Promise<void> };
let tarball: string;

beforeAll(async () => {
  folder = await temporaryFolder('acai-cli-checks-');
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', folder.path, join(HOSTILE, 'healthy')], { env: { PATH: childPath(), HOME: folder.path } });
  tarball = join(folder.path, stdout.trim().split('\n').at(-1)!);
});

afterAll(async () => {
  await folder?.remove();
});

const acai = (argv: string[], env: Record<string, string> = {}) => runAcai(argv, { cwd: folder.path, env });

/**
 * What the host's own loader says about a plugin configured from `folder.path/plugins.config.json` (a path,
 * or other source fields). It runs where the host runs it, as `acai plugin validate` runs it: a third-party
 * package in its sandboxed worker, so the messages compared are both the sandboxed path's.
 */
async function hostVerdict(name: string, source: string | Record<string, unknown>, config?: Record<string, unknown>, mcp: { niceness?: number } = {}) {
  const fields = typeof source === 'string' ? { path: source } : source;
  // Granted what it asks for, as validate checks it.
  const entry = forSuite({ name, ...fields, ...(config ? { config } : {}) }, folder.path);
  const pluginsConfig = parsePluginsConfig({ plugins: [entry] }, { path: join(folder.path, 'plugins.config.json'), env: {} });
  const host = await loadPluginHost({
    config: pluginsConfig,
    configDir: folder.path,
    dataDir: join(folder.path, 'host-data'),
    hostVersion: HOST_VERSION,
    keyValueStore: new MemoryKeyValueStore(),
    logger: pino({ enabled: false }),
    metricsRegistry: new Registry(),
    mcp,
  });
  try {
    return { ...host.loadReport().plugins[0]!, sandbox: host.listPlugins()[0]?.sandbox };
  } finally {
    await host.dispose();
  }
}

describe('acai plugin validate --mcp', () => {
  // The checks start the server at PLUGIN_WORKER_NICE, as the host does. At the default (10) a Node MCP
  // server next to busy processes takes about the 10 s initialize deadline to boot; these tests are about
  // the checks, so it runs at the test's priority, in the CLI and in the host loader it is compared with.
  const env = { PLUGIN_WORKER_NICE: '0' };
  // A fixture server asks to read its own folder and the installed packages (validate grants what it asks for).
  const permissions = fixtureServerPermissions().request;
  const server = (flags: string[] = [], env: Record<string, string> = {}) => JSON.stringify({ command: process.execPath, args: [join(MCP_SERVERS, 'stdio-server.js'), ...flags], ...(Object.keys(env).length > 0 ? { env } : {}), permissions });

  it('runs the host\'s MCP checks on a server, naming its version and tools', async () => {
    const result = await acai(['plugin', 'validate', '--mcp', server(['--only=do_nothing,echo,files.read']), '--name', 'files'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`files against host ${HOST_VERSION}`);
    for (const check of ['variables', 'start', 'initialize', 'version ranges', 'tool schemas', 'tool names']) expect(result.stdout).toContain(`  ✓ ${check}\n`);
    expect(result.stdout).toContain('tools: files__do_nothing, files__echo, files__files_read');
    expect(result.stdout).toContain('OK: files passes every load check');
  });

  it.each([
    ['a server with a quarantined tool', server(), 'tool schemas', 'HOST_PLUGIN_SCHEMA_INVALID', /tool "broken_schema" is quarantined: its inputSchema is not a valid JSON Schema/],
    ['malformed JSON-RPC', JSON.stringify({ command: process.execPath, args: [join(MCP_SERVERS, 'malformed-server.js')], permissions }), 'initialize', 'HOST_PLUGIN_MCP_PROTOCOL_ERROR', /is not a JSON-RPC message/],
    ['a missing command', JSON.stringify({ command: 'acai-no-such-mcp-server' }), 'start', 'HOST_PLUGIN_MCP_CONNECT_FAILED', /cannot start "acai-no-such-mcp-server"/],
    ['an unset variable', server([], { TOKEN: '${ACAI_TEST_UNSET_TOKEN}' }), 'variables', 'HOST_PLUGIN_SECRET_MISSING', /mcp\.env\.TOKEN: environment variable ACAI_TEST_UNSET_TOKEN is not set/],
  ])('reports %s as failing the "%s" check with the host loader\'s message', async (_what, mcp, check, code, message) => {
    const result = await acai(['plugin', 'validate', '--mcp', mcp, '--name', 'files', '--json'], env);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    const failed = report.checks.find((entry: { status: string }) => entry.status === 'failed');
    expect(failed).toMatchObject({ check, code });
    expect(failed.message).toMatch(message);
    // Granted what the block asks for, as validate checks it.
    const block = JSON.parse(mcp) as Record<string, unknown>;
    const host = await hostVerdict('files', { mcp: block, ...(block['permissions'] === undefined ? {} : { permissions: block['permissions'] }) }, undefined, { niceness: 0 });
    expect(failed.message).toBe(host.error?.message ?? host.quarantinedTools.map((tool) => tool.reason).join('; '));
    const index = report.checks.indexOf(failed);
    expect(report.checks.slice(index + 1).every((entry: { status: string }) => entry.status === 'not run')).toBe(true);
  });
});

describe('acai plugin validate', () => {
  it('runs every load check of the host on a good plugin folder and lists its tools', async () => {
    const result = await acai(['plugin', 'validate', join(HOSTILE, 'healthy')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`healthy (@acai-fixtures/healthy@1.0.0) against host ${HOST_VERSION}`);
    for (const check of ['resolve', 'integrity', 'manifest', 'version ranges', 'dependencies', 'import', 'config', 'secrets', 'tool schemas', 'tool names', 'setup']) {
      expect(result.stdout).toContain(`  ✓ ${check}\n`);
    }
    expect(result.stdout).toMatch(/tools: healthy__echo_text, healthy__do_nothing, /);
    expect(result.stdout).toContain('OK: healthy passes every load check');
    expect(hasAnsi(result.stdout)).toBe(false);
  });

  it('validates a tarball made by npm pack', async () => {
    const result = await acai(['plugin', 'validate', tarball]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('OK: healthy passes every load check');
  });

  it.each([
    ['host-mismatch', 'version ranges', 'HOST_PLUGIN_HOST_MISMATCH'],
    ['sdk-mismatch', 'version ranges', 'HOST_PLUGIN_SDK_MISMATCH'],
    ['bad-manifest', 'manifest', 'HOST_PLUGIN_MANIFEST_INVALID'],
    ['no-build', 'import', 'HOST_PLUGIN_IMPORT_FAILED'],
    ['throws-on-import', 'import', 'HOST_PLUGIN_IMPORT_FAILED'],
    ['not-a-plugin', 'import', undefined],
    ['needs-secret', 'secrets', 'HOST_PLUGIN_SECRET_MISSING'],
    ['setup-fails', 'setup', 'HOST_PLUGIN_SETUP_FAILED'],
    ['bad-schema', 'tool schemas', 'HOST_PLUGIN_SCHEMA_INVALID'],
  ])('reports %s as failing the "%s" check with the host loader message', async (fixture, check, code) => {
    const result = await acai(['plugin', 'validate', join(FIXTURES, fixture), '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    const failed = report.checks.find((entry: { status: string }) => entry.status === 'failed');
    if (code !== undefined) expect(failed).toMatchObject({ check, code });
    // Identical to what the host says when it loads the plugin from a plugins.config.json in the same folder.
    const host = await hostVerdict(report.identity.name, join(FIXTURES, fixture));
    expect(host.state).toBe('failed');
    // Both ran it where the host would: third-party fixtures in a sandbox, once the loader got that far.
    expect(report.sandbox).toBe(host.sandbox?.kind);
    expect(failed.message).toBe(host.error!.message);
    expect(failed.code).toBe(host.error!.code);
    // Checks after the failing one did not run.
    const index = report.checks.indexOf(failed);
    expect(report.checks.slice(index + 1).every((entry: { status: string }) => entry.status === 'not run')).toBe(true);
  });

  it('prints the failing check and its message for people, and exits 1 with one line on stderr', async () => {
    const result = await acai(['plugin', 'validate', join(FIXTURES, 'host-mismatch')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/ {2}✓ manifest\n {2}✗ version ranges\n {6}HOST_PLUGIN_HOST_MISMATCH: .*>=5\.0\.0/);
    expect(result.stdout).toContain('  - import (not run)');
    expect(result.stderr).toBe(`acai: host-mismatch fails the "version ranges" check of host ${HOST_VERSION}\n`);
  });

  it('fails a plugin whose tool the host would quarantine', async () => {
    const result = await acai(['plugin', 'validate', join(FIXTURES, 'lax-schema')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ tool schemas\n/);
    expect(result.stdout).toMatch(/HOST_PLUGIN_SCHEMA_INVALID: .*tool "get_lax" is quarantined: its parameters break OpenAI's strict function-calling rules/);
    expect(result.stdout).toContain('tools: lax-schema__get_strict');
  });

  it('takes the plugin config, with ${VAR} references read from the environment', async () => {
    const config = ['--plugin-config', '{"apiKey":"${EXAMPLE_API_KEY}"}'];
    const missing = JSON.parse((await acai(['plugin', 'validate', join(FIXTURES, 'needs-secret'), ...config, '--json'])).stdout);
    expect(missing.checks.find((entry: { status: string }) => entry.status === 'failed').message).toMatch(/environment variable EXAMPLE_API_KEY is not set/);
    const set = await acai(['plugin', 'validate', join(FIXTURES, 'needs-secret'), ...config], { EXAMPLE_API_KEY: 'sk-example-0123456789' });
    expect(set.code).toBe(0);
    expect(set.stdout).not.toContain('sk-example-0123456789');
  });

  it.each([
    [['plugin', 'validate'], 2, /missing the plugin folder or tarball \(or --mcp for an MCP server\)/],
    [['plugin', 'validate', '--mcp', '{"command":"node"}'], 2, /--mcp needs --name <name>/],
    [['plugin', 'validate', '--mcp', '"node server.js"', '--name', 'files'], 2, /--mcp must be a JSON object/],
    [['plugin', 'validate', '--mcp', '{"command":"node"}', '--name', 'Not A Name'], 2, /--name "Not A Name" is not a plugin name/],
    [['plugin', 'validate', '--mcp', '{"command":"node"}', '--name', 'files', 'extra'], 2, /unexpected argument "extra"/],
    [['plugin', 'validate', '--mcp', '{"command":"node"}', '--name', 'files', '--plugin-config', '{}'], 2, /--plugin-config applies to plugin packages/],
    [['plugin', 'validate', '.', '--name', 'files'], 2, /--name applies to --mcp/],
    [['plugin', 'validate', '--mcp', '{"command":"node","url":"http://127.0.0.1:1/mcp"}', '--name', 'files'], 1, /set either "command" \(a server started over stdio\) or "url"/],
    [['plugin', 'validate', '../../../../../../../../etc'], 1, /has no package\.json/],
    [['plugin', 'validate', 'left-pad'], 1, /no plugin folder at .*left-pad/],
    [['plugin', 'validate', './nope-1.0.0.tgz'], 1, /no tarball at/],
    [['plugin', 'validate', '.', '--plugin-config', '"x"'], 2, /--plugin-config must be a JSON object/],
    [['plugin', 'validate', 'a', 'b'], 2, /unexpected argument "b"/],
  ])('refuses %j (exit %i)', async (argv, code, message) => {
    const result = await acai(argv);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });
});

/**
 * Deadlines of the conformance runs of third-party fixtures, which run in their sandboxed worker: the ones a tool
 * that ignores its signal runs into on purpose stay short, but a healthy call's answer (a message from the worker)
 * never has to beat them on a loaded machine.
 */
const CONFORMANCE = { timeoutMs: scaledMs(1_000), deadlineMs: scaledMs(500), graceMs: scaledMs(1_000) } as const;
/** The sandboxed worker at the test's priority (the host's default niceness 10 would make the deadlines above a race on a busy machine). */
const conformanceEnv = { PLUGIN_WORKER_NICE: '0' };

/** `acai plugin test` on the testbed fixture with its crashing, hanging and leaking tools, as JSON. */
function testbedArguments(): string[] {
  return [
    'plugin',
    'test',
    join(FIXTURES, 'testbed'),
    '--timeout-ms',
    `${CONFORMANCE.timeoutMs}`,
    '--deadline-ms',
    `${CONFORMANCE.deadlineMs}`,
    '--grace-ms',
    `${CONFORMANCE.graceMs}`,
    '--args',
    'echo_text={"text":"hi","times":2}',
    '--args',
    'testbed__leak_secret={"fail":false}',
    '--args',
    'big_output={"bytes":20000}',
    '--json',
  ];
}

describe('acai plugin test', () => {
  it('passes a well-behaved first-party plugin through every step', async () => {
    const result = await runAcai(['plugin', 'test', join(REPO_ROOT, 'plugins', 'datetime')], { cwd: folder.path, env: {} });
    expect(result.code).toBe(0);
    for (const tool of ['datetime__get_current_time', 'datetime__convert_time', 'datetime__add_to_date', 'datetime__days_between']) {
      expect(result.stdout).toContain(`\n${tool}\n  PASS  model turn `);
    }
    expect(result.stdout).toMatch(/PASS {2}arguments {7}7 malformed or hostile argument sets refused before the tool ran/);
    expect(result.stdout).toMatch(/PASS {2}breaker {9}\d+ calls \(.*\); 0 counted as failures/);
    expect(result.stdout).toMatch(/\nPASSED: \d+ passed, \d+ warnings?, 0 failed, 1 skipped\n$/);
  });

  it('fails a plugin that crashes, ignores its signal and echoes secrets, naming each problem', async () => {
    const result = await acai(testbedArguments(), conformanceEnv);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; steps: Array<{ tool?: string; step: string; status: string; detail: string }>; counts: Record<string, number> };
    const step = (tool: string | undefined, name: string) => report.steps.find((entry) => entry.tool === tool && entry.step === name);
    expect(report.ok).toBe(false);
    expect(step('testbed__echo_text', 'model turn')).toMatchObject({ status: 'pass', detail: expect.stringContaining('called with {"text":"hi","times":2}: ok') });
    expect(step('testbed__echo_text', 'oversized input')).toMatchObject({ status: 'warn', detail: expect.stringContaining('add maxLength') });
    expect(step('testbed__crash_now', 'model turn')).toMatchObject({ status: 'fail', detail: expect.stringContaining('threw TypeError: Cannot read properties of undefined instead of a ToolError') });
    expect(step('testbed__wait_forever', 'model turn')).toMatchObject({ status: 'fail', detail: `did not finish within the call timeout (${CONFORMANCE.timeoutMs} ms)` });
    expect(step('testbed__wait_forever', 'cancellation')).toMatchObject({ status: 'fail', detail: expect.stringMatching(new RegExp(`^still running ${CONFORMANCE.graceMs} ms after cancellation fired its signal;`)) });
    expect(step('testbed__wait_forever', 'deadline')).toMatchObject({ status: 'fail', detail: expect.stringMatching(new RegExp(`^still running ${CONFORMANCE.graceMs} ms after the ${CONFORMANCE.deadlineMs} ms deadline`)) });
    // Its worker in the sandbox said whether the tool looked at its signal: wait_forever listens to it, wait_for_gate never reads it.
    expect(step('testbed__wait_forever', 'cancellation')?.detail).not.toContain('never reads context.signal');
    expect(step('testbed__wait_for_gate', 'cancellation')?.detail).toContain('(it never reads context.signal)');
    expect(step('testbed__fail_with', 'model turn')).toMatchObject({ status: 'warn', detail: expect.stringContaining('the tool refused the sample arguments') });
    expect(step('testbed__big_output', 'output cap')).toMatchObject({ status: 'warn', detail: expect.stringContaining('at a 256-byte cap the model got 256 bytes') });
    expect(step('testbed__do_nothing', 'arguments')).toMatchObject({ status: 'pass' });
    expect(step(undefined, 'secrets')).toMatchObject({ status: 'warn', detail: expect.stringContaining('leak_secret puts a secret in its output') });
    expect(step(undefined, 'breaker')?.detail).toMatch(/counted as failures; caller faults and cancellations did not/);
    // A canary secret never reaches the printed report.
    expect(result.stdout).not.toMatch(/acai-canary-[0-9a-f]{16}/);
  });

  it('gives a sandboxed plugin the verdicts it gets in this process (--sandbox none), step by step', async () => {
    const verdicts = async (extra: string[]) => {
      const result = await acai([...testbedArguments(), ...extra], conformanceEnv);
      const report = JSON.parse(result.stdout) as { validation: { sandbox: string }; steps: Array<{ tool?: string; step: string; status: string }> };
      return { sandbox: report.validation.sandbox, stderr: result.stderr, steps: report.steps.map((entry) => `${entry.tool ?? '(plugin)'} ${entry.step}: ${entry.status}`) };
    };
    const sandboxed = await verdicts([]);
    const inProcess = await verdicts(['--sandbox', 'none']);
    expect(sandboxed.sandbox).toBe('bubblewrap');
    expect(inProcess.sandbox).toBe('opted-out');
    expect(inProcess.stderr).toContain('WARNING: --sandbox none');
    expect(sandboxed.steps.length).toBeGreaterThan(60);
    expect(sandboxed.steps).toEqual(inProcess.steps);
  });

  it('prints a readable report that ends in the verdict, and exits 1 with one line', async () => {
    const result = await acai(
      ['plugin', 'test', join(HOSTILE, 'healthy'), '--timeout-ms', `${CONFORMANCE.timeoutMs}`, '--grace-ms', `${CONFORMANCE.graceMs}`, '--args', 'use_context={"url":"http://127.0.0.1:1/"}'],
      conformanceEnv,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^healthy\n  PASS  load {12}passed every load check/);
    expect(result.stdout).toMatch(/healthy__fail_with_error\n  FAIL  model turn {6}threw TypeError: plain failure/);
    expect(result.stdout).toMatch(/healthy__wait_for_abort\n(.*\n)*? {2}PASS {2}cancellation {4}stopped \d+ ms after cancellation/);
    expect(result.stdout).toMatch(/\nFAILED: \d+ passed, \d+ warnings?, \d+ failed, \d+ skipped\n$/);
    expect(result.stderr).toMatch(/^acai: healthy failed \d+ conformance steps?\n$/);
  });

  it('stops at the load checks for a plugin that does not load', async () => {
    const result = await acai(['plugin', 'test', join(FIXTURES, 'host-mismatch')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ version ranges');
    expect(result.stdout).toMatch(/FAIL {2}load {12}version ranges check: HOST_PLUGIN_HOST_MISMATCH: /);
  });

  it.each([
    [['plugin', 'test'], /missing the plugin folder or tarball/],
    [['plugin', 'test', '.', '--args', 'no-equals-sign'], /--args takes <tool>=<json>/],
    [['plugin', 'test', '.', '--args', 'echo_text={bad'], /--args echo_text is not valid JSON/],
    [['plugin', 'test', '.', '--args', '../x={}'], /--args takes <tool>=<json>/],
    [['plugin', 'test', '.', '--timeout-ms', '0'], /--timeout-ms must be a whole number from 1 to 600000/],
    [['plugin', 'test', '.', '--grace-ms', 'soon'], /--grace-ms must be a whole number/],
  ])('refuses %j with exit 2', async (argv, message) => {
    const result = await acai(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
