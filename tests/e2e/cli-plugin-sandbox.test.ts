// `acai plugin validate` runs a stranger's plugin where the host would: in its sandbox, with only what it asks
// for. Its setup runs during the checks, so a hostile one gets that long to take what the user who checks it has.
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HOST_VERSION } from '../../core/src/app.js';
import { sandboxProcessIds } from '../support/sandbox-processes.js';
import { WAIT } from '../support/timing.js';
import { REPO_ROOT, runAcai, runAcaiBinary, temporaryFolder, unusedUrl } from './cli-support.js';

const HOSTILE = fileURLToPath(new URL('../fixtures/hostile-plugins/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

interface Report {
  ok: boolean;
  sandbox?: string;
  checks: Array<{ check: string; status: string; code?: string; message?: string }>;
}

const failedCheck = (report: Report) => report.checks.find((check) => check.status === 'failed');

// The working directory of the in-process runs: an empty folder (validate writes nothing there).
let scratch: { path: string; remove(): Promise<void> };
beforeAll(async () => {
  scratch = await temporaryFolder('acai-cli-sandbox-cwd-');
});
afterAll(async () => {
  await scratch?.remove();
});
const acai = (argv: readonly string[], env: Record<string, string> = {}) => runAcai(argv, { cwd: scratch.path, env });

describe('acai plugin validate on a plugin that tries to take what the checking user has', () => {
  // What the user who runs validate has: a home with a key, a secret in the environment, a file beside the
  // working directory and a service on loopback. Each holds a canary the plugin must never get.
  const canaries = { key: 'ssh-canary-5f1e07a2', env: 'env-canary-8c2d44b9', cwd: 'cwd-canary-31aa9e60' };
  let folder: { path: string; remove(): Promise<void> };
  let loopback: Server;
  let connections = 0;
  let pluginConfig: string;
  let home: string;
  let project: string;

  beforeAll(async () => {
    folder = await temporaryFolder('acai-cli-sandbox-');
    home = join(folder.path, 'home');
    project = join(folder.path, 'project');
    await mkdir(join(home, '.ssh'), { recursive: true });
    await mkdir(project);
    await writeFile(join(home, '.ssh', 'id_ed25519'), canaries.key);
    await writeFile(join(project, 'secret.txt'), canaries.cwd);
    loopback = createServer((socket) => {
      connections += 1;
      socket.end();
    });
    await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
    const { port } = loopback.address() as { port: number };
    pluginConfig = JSON.stringify({ home, homeFile: join(home, '.ssh', 'id_ed25519'), cwdFile: join(project, 'secret.txt'), envName: 'ACAI_TEST_SECRET', port });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => loopback?.close(() => resolve()));
    await folder?.remove();
  });

  /** The built `acai` in its own process, with the canaries in its home, environment and working directory. */
  const validate = (extra: string[] = []) =>
    runAcaiBinary(['plugin', 'validate', join(HOSTILE, 'peeks-at-setup'), '--plugin-config', pluginConfig, '--json', ...extra], {
      cwd: project,
      env: { HOME: home, ACAI_TEST_SECRET: canaries.env },
    });

  it('runs its setup in the sandbox, where it reaches none of them, and the report says what it got', async () => {
    connections = 0;
    const result = await validate();
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.sandbox).toBe('bubblewrap');
    expect(failedCheck(report)).toMatchObject({ check: 'setup', code: 'HOST_PLUGIN_SETUP_FAILED' });
    const seen = failedCheck(report)!.message!;
    expect(seen).toContain('home listing: refused (ENOENT)');
    expect(seen).toContain('home file: refused (ENOENT)');
    expect(seen).toContain('cwd file: refused (ENOENT)');
    expect(seen).toContain('env: got "no ACAI_TEST_SECRET"');
    expect(seen).toContain('own environ: got "no ACAI_TEST_SECRET"');
    // Its own PID namespace: the parent it sees is not the command, whose environment is out of reach.
    expect(seen).toMatch(/parent environ: (refused \(\w+\)|got "no ACAI_TEST_SECRET")/);
    expect(seen).toMatch(/loopback port: refused \((ECONNREFUSED|ENETUNREACH|no answer)\)/);
    expect(connections).toBe(0);
    for (const canary of Object.values(canaries)) expect(result.stdout + result.stderr).not.toContain(canary);
  });

  it('runs `plugin test` of a snooping plugin in the sandbox too: its tools reach none of them', async () => {
    connections = 0;
    const { port } = loopback.address() as { port: number };
    const args = {
      read_file: { path: join(project, 'secret.txt') },
      list_dir: { path: home },
      read_environ: { of: 'self' },
      connect_tcp: { host: '127.0.0.1', port },
    };
    const argv = Object.entries(args).flatMap(([tool, value]) => ['--args', `${tool}=${JSON.stringify(value)}`]);
    const result = await runAcaiBinary(['plugin', 'test', join(HOSTILE, 'snoop'), ...argv, '--json'], { cwd: project, env: { HOME: home, ACAI_TEST_SECRET: canaries.env, PLUGIN_WORKER_NICE: '0' } });
    const report = JSON.parse(result.stdout) as { validation: Report; steps: Array<{ tool?: string; step: string; status: string; detail: string }> };
    const turn = (tool: string) => report.steps.find((step) => step.tool === `snoop__${tool}` && step.step === 'model turn');
    expect(report.validation.sandbox).toBe('bubblewrap');
    expect(turn('read_file')?.detail).toMatch(/threw Error: ENOENT/);
    expect(turn('list_dir')?.detail).toMatch(/threw Error: ENOENT/);
    expect(turn('connect_tcp')?.detail).toMatch(/threw Error: connect (ECONNREFUSED|ENETUNREACH)/);
    expect(connections).toBe(0);
    for (const canary of Object.values(canaries)) expect(result.stdout + result.stderr).not.toContain(canary);
  });

  it('gets all of them with --sandbox none (so the probe above would see a leak), after a loud warning', async () => {
    connections = 0;
    const result = await validate(['--sandbox', 'none']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/WARNING: --sandbox none: the plugin runs WITHOUT a sandbox \(a package in this process, an MCP server as a child of it\), with your rights/);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.sandbox).toBe('opted-out');
    const seen = failedCheck(report)!.message!;
    expect(seen).toContain(`home file: got "${canaries.key}"`);
    expect(seen).toContain(`cwd file: got "${canaries.cwd}"`);
    expect(seen).toContain(`env: got "${canaries.env}"`);
    expect(seen).toContain('loopback port: got a connection');
    expect(connections).toBe(1);
  });
});

describe('acai plugin validate on a plugin that never finishes importing', () => {
  it('kills it at the start-up hard deadline and names that deadline, leaving no sandbox behind', async () => {
    // The floor of every worker deadline, as the host reads it: reading the name (before the checks) gives up after it;
    // the checks' import gets the plugin's setup timeout (default 10 s) plus the 1 s margin.
    const result = await acai(['plugin', 'validate', join(HOSTILE, 'spins-at-import'), '--json'], { PLUGIN_WORKER_HARD_DEADLINE_MS: '1000' });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.sandbox).toBe('bubblewrap');
    expect(failedCheck(report)).toMatchObject({ check: 'import', code: 'HOST_PLUGIN_IMPORT_TIMEOUT' });
    expect(failedCheck(report)!.message).toMatch(/importing the plugin ran past the 11000 ms start-up hard deadline.*raise policy\.setupTimeoutMs/);
    // Killed with its worker: nothing of it outlives the command (the kernel may take a moment to reap it).
    await vi.waitFor(async () => expect(await sandboxProcessIds()).toEqual([]), WAIT);
  });
});

describe('acai plugin validate where no sandbox can be made', () => {
  const noBubblewrap = { PLUGIN_SANDBOX_BWRAP: '/nonexistent/bwrap' };

  it('refuses a third-party plugin with the host\'s named error and fix, and the flag that opts out', async () => {
    const result = await acai(['plugin', 'validate', join(HOSTILE, 'healthy')], noBubblewrap);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/ {2}✓ dependencies\n {2}✗ sandbox\n {6}HOST_SANDBOX_UNAVAILABLE: .*bubblewrap \(bwrap\) was not found \(looked at \/nonexistent\/bwrap\)\. Install it/);
    expect(result.stdout).toContain('pass --sandbox none');
    expect(result.stdout).toContain('  - import (not run)');
    expect(result.stderr).toBe(`acai: healthy fails the "sandbox" check of host ${HOST_VERSION}\n`);
  });

  it('runs it in this process with --sandbox none, warning first', async () => {
    const result = await acai(['plugin', 'validate', join(HOSTILE, 'healthy'), '--sandbox', 'none'], noBubblewrap);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^WARNING: --sandbox none: /);
    expect(result.stdout).toContain('sandbox: none (opted-out)');
    expect(result.stdout).toContain('OK: healthy passes every load check');
  });

  it('still checks a first-party plugin, which the host runs without a sandbox', async () => {
    const result = await acai(['plugin', 'validate', join(REPO_ROOT, 'plugins', 'weather')], noBubblewrap);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('sandbox: none (first-party)');
  });

  it.each([
    [['plugin', 'validate', join(FIXTURES, 'testbed'), '--sandbox', 'off'], /--sandbox takes none or bubblewrap/],
    [['plugin', 'test', join(FIXTURES, 'testbed'), '--sandbox', ''], /--sandbox takes none or bubblewrap/],
  ])('refuses %j with exit 2', async (argv, message) => {
    const result = await acai(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('acai plugin validate --mcp on a server behind a URL', () => {
  it('checks it as the host would, with no sandbox (it runs elsewhere) and no permissions block', async () => {
    const url = `${await unusedUrl()}/mcp`;
    const result = await acai(['plugin', 'validate', '--mcp', JSON.stringify({ url }), '--name', 'remote', '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.sandbox).toBe('remote');
    expect(failedCheck(report)).toMatchObject({ check: 'start', code: 'HOST_PLUGIN_MCP_CONNECT_FAILED' });
  });
});

describe('acai plugin validate on a malformed package, through the sandboxed path', () => {
  it.each([
    ['bad-manifest', 'manifest', 'HOST_PLUGIN_MANIFEST_INVALID', /invalid plugin manifest: \/acai\/entry: is required but missing;.*Fix the plugin's package\.json/],
    ['no-build', 'import', 'HOST_PLUGIN_IMPORT_FAILED', /entry \.\/dist\/index\.js does not exist at .*Build the plugin \(npx tsc -b\) or fix acai\.entry/],
    ['throws-on-import', 'import', 'HOST_PLUGIN_IMPORT_FAILED', /importing \.\/index\.js failed: .*cannot initialise: missing native module\. Fix the plugin or pin a working version/],
  ])('%s fails the "%s" check with a clear message', async (fixture, check, code, message) => {
    const result = await acai(['plugin', 'validate', join(FIXTURES, fixture), '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(failedCheck(report)).toMatchObject({ check, code, message: expect.stringMatching(message) });
  });
});
