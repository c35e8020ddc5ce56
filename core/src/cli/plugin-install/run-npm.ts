import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { CliError } from '../cli-error.js';

type Env = Readonly<Record<string, string | undefined>>;

/** What an npm run printed. */
export interface NpmOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs npm with the user's own configuration (registry, scopes, auth tokens from .npmrc and the
 * environment): the npm that started the CLI when there is one (`npx`, `npm exec` set npm_execpath),
 * else the one on PATH. A failure becomes a CliError carrying npm's own error lines.
 */
export async function runNpm(args: readonly string[], options: { cwd: string; env: Env; what: string }): Promise<NpmOutput> {
  const npmCli = options.env.npm_execpath;
  const [command, commandArgs] =
    npmCli !== undefined && /npm-cli\.c?js$/.test(npmCli) ? [process.execPath, [npmCli, ...args]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', [...args]];
  return new Promise((resolve, reject) => {
    execFile(
      command,
      commandArgs,
      {
        cwd: options.cwd,
        // npm's own chatter would break --json output; the update check would reach the public registry.
        env: {
          ...options.env,
          // Without a PATH (an environment stripped by its caller) npm is looked for next to this Node.js, where it is installed.
          PATH: options.env.PATH ?? dirname(process.execPath),
          npm_config_update_notifier: 'false',
          npm_config_fund: 'false',
          npm_config_audit: 'false',
          npm_config_loglevel: 'error',
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr });
          return;
        }
        const lines = stderr
          .split('\n')
          .map((line) => line.replace(/^npm (error|ERR!)\s*/, '').trim())
          .filter((line) => line !== '' && !/complete log of this run|^A complete log/i.test(line));
        reject(new CliError(`${options.what} failed: ${lines.slice(0, 4).join(' ') || error.message}`, { cause: error }));
      },
    );
  });
}
