// The built `acai` binary (core/bin/acai.js) in a child process: help, exit codes, one-line errors,
// plain output on pipes, and `acai serve` starting the host and stopping on SIGTERM.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killOnExit } from '../support/child-processes.js';
import { ACAI_BIN, childPath, hasAnsi, REPO_ROOT, runAcaiBinary, temporaryFolder } from './cli-support.js';
import { REPO_PLUGINS_CONFIG } from './host-support.js';

let folder: { path: string; remove(): Promise<void> };
beforeAll(async () => {
  folder = await temporaryFolder('acai-cli-binary-');
});
afterAll(async () => {
  await folder?.remove();
});

describe('the acai binary', () => {
  it('prints help with examples and exits 0; a pipe gets no colour codes', async () => {
    const run = await runAcaiBinary(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: acai <command> [options]');
    expect(run.stdout).toContain('Examples:');
    expect(hasAnsi(run.stdout + run.stderr)).toBe(false);
  });

  it('exits 2 with one line for usage mistakes and 1 for failures, without stack traces', async () => {
    const usage = await runAcaiBinary(['frobnicate']);
    expect(usage).toMatchObject({ code: 2, stdout: '', stderr: 'acai: unknown command "frobnicate" (see `acai --help`)\n' });
    const failure = await runAcaiBinary(['plugin', 'disable', 'weather', '--config', join(folder.path, 'missing.json')]);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toBe(`acai: ${join(folder.path, 'missing.json')} does not exist (pass --config, set PLUGINS_CONFIG, or \`acai plugin add\` to create it)\n`);
  });

  it('validates a plugin and lists tools with plain output on a pipe', async () => {
    const validate = await runAcaiBinary(['plugin', 'validate', join(REPO_ROOT, 'plugins', 'datetime')]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('OK: datetime passes every load check');
    const tools = await runAcaiBinary(['tools', 'list'], { env: { PLUGINS_CONFIG: REPO_PLUGINS_CONFIG, ACAI_DATA_DIR: join(folder.path, 'data') } });
    expect(tools.code).toBe(0);
    expect(tools.stdout).toMatch(/^datetime__get_current_time +datetime +1\.0\.0 /m);
    expect(hasAnsi(validate.stdout + tools.stdout)).toBe(false);
  });

  it('serves the host with the given port, config and log level, and stops cleanly on SIGTERM', async () => {
    const child = killOnExit(
      spawn(process.execPath, [ACAI_BIN, 'serve', '--port', '0', '--config', REPO_PLUGINS_CONFIG, '--log-level', 'info'], {
        cwd: folder.path,
        env: { PATH: childPath(), ACAI_DATA_DIR: join(folder.path, 'serve-data'), AUTH_DISABLED: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const listening = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"acai host listening"/.exec(output);
        if (listening) resolve(listening[1]!);
      });
      void exited.then((code) => reject(new Error(`acai serve exited with ${code}: ${output}`)));
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(output).toContain('"level":"info"');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses bad serve flags before starting anything', async () => {
    const port = await runAcaiBinary(['serve', '--port', '99999']);
    expect(port).toMatchObject({ code: 2, stderr: 'acai: --port must be 0–65535, got "99999" (see `acai serve --help`)\n' });
    const level = await runAcaiBinary(['serve', '--log-level', 'loud']);
    expect(level.code).toBe(2);
    const config = await runAcaiBinary(['serve', '--port', '0', '--config', join(folder.path, 'none.json')], { env: { ACAI_DATA_DIR: join(folder.path, 'x') } });
    expect(config.code).toBe(1);
    expect(config.stderr.trimEnd().split('\n').at(-1)).toMatch(/^acai: .*none\.json: cannot read the plugins config/);
  });
});
