import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { displayPath, scaffoldPlugin, type ScaffoldResult } from './scaffold-plugin.js';
import { ScaffoldError } from './scaffold-error.js';

export const CREATE_HELP = `Usage: npm create acai-plugin <name> [-- options]
       npx create-acai-plugin <name> [options]

Scaffold an Acai tool plugin in a new folder (default ./acai-plugin-<name>) and install its
dependencies: package.json with the \`acai\` manifest and the SDK peer range, one example tool
with a strict JSON Schema and typed arguments, a test on the SDK harness, tsconfig, README
(develop, test, validate, publish, permissions), LICENSE, CHANGELOG and a CI workflow.

<name> is the plugin name: 2–32 lower-case letters, digits and dashes (the package is
acai-plugin-<name>; the model sees its tools as <name>__<tool>).

Options:
  --dir <path>            target folder (default ./acai-plugin-<name>); must be empty or missing
  --sdk <path|range>      @acai/plugin-sdk for development: a registry range (default ^1.0.0)
                          or the folder of an SDK checkout (installed as file:)
  --description <text>    one line for operators and the model
  --author <name>         copyright holder in LICENSE and package.json
  --skip-install          do not run \`npm install\` in the new folder
  -h, --help              this help

Examples:
  npm create acai-plugin stock-quotes
  npm create acai-plugin stock-quotes -- --description "Stock quotes from Example Exchange"
  npx create-acai-plugin stock-quotes --dir ~/src/stock-quotes --skip-install
`;

/** Where create-acai-plugin writes and what it reads. */
export interface CreateIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Runs `npm install` in a folder; resolves to npm's exit code. */
export type InstallRunner = (directory: string, io: CreateIo) => Promise<number>;

/**
 * The npm that started us (`npm create` sets npm_execpath), else the one on PATH. Its output goes
 * to ours, so the author sees progress and errors as npm prints them.
 */
export const runNpmInstall: InstallRunner = (directory, io) =>
  new Promise((resolve, reject) => {
    const npmCli = io.env.npm_execpath;
    const [command, args] =
      npmCli !== undefined && /npm-cli\.c?js$/.test(npmCli)
        ? [process.execPath, [npmCli, 'install', '--no-audit', '--no-fund']]
        : [process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--no-audit', '--no-fund']];
    const child = spawn(command, args, { cwd: directory, stdio: ['ignore', 'inherit', 'inherit'], env: { ...io.env } });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });

/** The `create-acai-plugin` command; returns the exit code (2 for usage mistakes). */
export async function runCreate(argv: readonly string[], io: CreateIo, install: InstallRunner = runNpmInstall): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        dir: { type: 'string' },
        sdk: { type: 'string' },
        description: { type: 'string' },
        author: { type: 'string' },
        'skip-install': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return usage(io, (error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(CREATE_HELP);
    return 0;
  }
  const [name, extra] = positionals;
  if (name === undefined) return usage(io, 'missing the plugin name, e.g. `npm create acai-plugin stock-quotes`');
  if (extra !== undefined) return usage(io, `unexpected argument "${extra.slice(0, 60)}"`);
  for (const flag of ['description', 'author'] as const) {
    if (values[flag] !== undefined && /[\r\n]/.test(values[flag])) return usage(io, `--${flag} must be one line`);
  }

  let result: ScaffoldResult;
  try {
    result = await scaffoldPlugin(
      {
        name,
        directory: values.dir ?? `acai-plugin-${name}`,
        ...(values.sdk === undefined ? {} : { sdk: values.sdk }),
        ...(values.description === undefined ? {} : { description: values.description }),
        ...(values.author === undefined ? {} : { author: values.author }),
      },
      io.cwd,
    );
  } catch (error) {
    if (!ScaffoldError.isInstance(error)) throw error;
    if (error.isUsage) return usage(io, error.message);
    io.stderr.write(`create-acai-plugin: ${error.message}\n`);
    return 1;
  }
  const folder = displayPath(result.directory, io.cwd);
  io.stdout.write([`Created ${result.packageName} in ${folder}`, ...result.files.map((file) => `  ${file}`), `SDK: ${result.sdkDependency}`, ''].join('\n'));

  if (!values['skip-install']) {
    io.stdout.write(`Installing its dependencies (npm install in ${folder})…\n`);
    const code = await install(result.directory, io);
    if (code !== 0) {
      io.stderr.write(`create-acai-plugin: npm install failed (exit ${code}); the plugin is written, run \`npm install\` in ${folder} once the problem is fixed\n`);
      return 1;
    }
  }
  io.stdout.write(
    [
      '',
      'Next:',
      `  cd ${folder}`,
      ...(values['skip-install'] ? ['  npm install'] : []),
      '  npm test                           # the tools through the SDK harness',
      '  npx @acai/cli plugin validate .    # the host\'s own load checks',
      '  npm publish                        # builds (prepack) and publishes',
      `  npx @acai/cli plugin add ${result.packageName}@^0.1.0   # in a host's folder`,
      '',
    ].join('\n'),
  );
  return 0;
}

function usage(io: CreateIo, message: string): number {
  io.stderr.write(`create-acai-plugin: ${message.replace(/\.$/, '')} (see --help)\n`);
  return 2;
}
