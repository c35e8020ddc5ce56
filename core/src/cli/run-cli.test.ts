import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { runCli } from './run-cli.js';

function bufferedIo(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    stdin: Readable.from([]),
    env,
    cwd: process.cwd(),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

// Every command and subcommand must explain itself with examples.
const HELP_PAGES = [
  ['serve'],
  ['chat'],
  ['conversations'],
  ['plugin'],
  ['plugin', 'create'],
  ['plugin', 'add'],
  ['plugin', 'enable'],
  ['plugin', 'disable'],
  ['plugin', 'list'],
  ['plugin', 'validate'],
  ['plugin', 'test'],
  ['tools'],
  ['mcp'],
  ['keys'],
  ['telegram'],
];

describe('runCli', () => {
  it('prints the command overview for --help and exits 0; without arguments it exits 2', async () => {
    const help = bufferedIo();
    expect(await runCli(['--help'], help.io)).toBe(0);
    for (const command of ['serve', 'chat', 'conversations', 'plugin', 'tools', 'mcp', 'keys', 'telegram']) expect(help.stdout()).toContain(`  ${command}`);
    const bare = bufferedIo();
    expect(await runCli([], bare.io)).toBe(2);
    expect(bare.stdout()).toContain('Usage: acai <command>');
  });

  it.each(HELP_PAGES.map((argv) => [argv.join(' '), argv] as const))('has a --help page with examples for `acai %s`', async (_label, argv) => {
    const { io, stdout, stderr } = bufferedIo();
    expect(await runCli([...argv, '--help'], io)).toBe(0);
    expect(stdout()).toMatch(/^Usage: acai /);
    expect(stdout()).toContain('Examples:');
    expect(stderr()).toBe('');
  });

  it('refuses unknown commands, including names of Object.prototype members, with exit 2', async () => {
    for (const name of ['bogus', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const { io, stderr } = bufferedIo();
      expect(await runCli([name], io)).toBe(2);
      expect(stderr()).toBe(`acai: unknown command "${name}" (see \`acai --help\`)\n`);
    }
    const { io, stderr } = bufferedIo();
    expect(await runCli(['plugin', 'constructor'], io)).toBe(2);
    expect(stderr()).toBe('acai: unknown subcommand "constructor" (see `acai plugin --help`)\n');
  });

  it('turns unknown flags into a one-line usage error pointing at the right help', async () => {
    const { io, stderr } = bufferedIo();
    expect(await runCli(['chat', '--bogus'], io)).toBe(2);
    expect(stderr()).toMatch(/^acai: Unknown option '--bogus'.* \(see `acai chat --help`\)\n$/);
  });

  it('prints the version', async () => {
    const { io, stdout } = bufferedIo();
    expect(await runCli(['--version'], io)).toBe(0);
    expect(stdout()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('prints one line and no stack trace for failures unless ACAI_DEBUG is set', async () => {
    const quiet = bufferedIo();
    expect(await runCli(['plugin', 'enable', 'weather', '--config', '/nonexistent/plugins.config.json'], quiet.io)).toBe(1);
    expect(quiet.stderr()).toMatch(/^acai: \/nonexistent\/plugins\.config\.json does not exist .*\n$/);
    const debug = bufferedIo({ ACAI_DEBUG: '1' });
    expect(await runCli(['plugin', 'enable', 'weather', '--config', '/nonexistent/plugins.config.json'], debug.io)).toBe(1);
    expect(debug.stderr()).toContain('    at ');
  });
});
