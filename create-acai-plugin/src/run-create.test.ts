import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCreate, type CreateIo, type InstallRunner } from './run-create.js';

let cwd: string;
let out: string;
let err: string;
let io: CreateIo;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'acai-create-'));
  out = '';
  err = '';
  io = { cwd, env: {}, stdout: { write: (text: string) => (out += text) }, stderr: { write: (text: string) => (err += text) } };
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** Records the folders it was asked to install in and answers with `code`. */
function recordingInstall(code: number): InstallRunner & { folders: string[] } {
  const folders: string[] = [];
  return Object.assign(async (directory: string) => {
    folders.push(directory);
    return code;
  }, { folders });
}

describe('create-acai-plugin', () => {
  it('scaffolds ./acai-plugin-<name>, installs there and prints the next steps', async () => {
    const install = recordingInstall(0);
    expect(await runCreate(['digits', '--description', 'Digits of numbers'], io, install)).toBe(0);
    expect(install.folders).toEqual([join(cwd, 'acai-plugin-digits')]);
    expect(out).toContain('Created acai-plugin-digits in acai-plugin-digits');
    expect(out).toContain('npx @acai/cli plugin add acai-plugin-digits@^0.1.0');
    expect(await readdir(join(cwd, 'acai-plugin-digits'))).toEqual(expect.arrayContaining(['package.json', 'src', 'README.md', 'LICENSE']));
  });

  it('skips the install on request and says to run it', async () => {
    const install = recordingInstall(0);
    expect(await runCreate(['digits', '--dir', 'here', '--skip-install'], io, install)).toBe(0);
    expect(install.folders).toEqual([]);
    expect(out).toMatch(/cd here\n {2}npm install\n/);
  });

  it('reports a failed install with exit 1 and keeps what it wrote', async () => {
    expect(await runCreate(['digits'], io, recordingInstall(7))).toBe(1);
    expect(err).toMatch(/npm install failed \(exit 7\); the plugin is written/);
    expect(await readdir(join(cwd, 'acai-plugin-digits'))).toContain('package.json');
  });

  it.each([
    [[], /missing the plugin name/],
    [['a', 'b'], /unexpected argument "b"/],
    [['Bad Name'], /invalid plugin name/],
    [['digits', '--nope'], /Unknown option '--nope'/],
    [['digits', '--description', 'two\nlines'], /--description must be one line/],
  ])('refuses %j as a usage mistake (exit 2)', async (argv, message) => {
    expect(await runCreate(argv, io, recordingInstall(0))).toBe(2);
    expect(err).toMatch(message);
    expect(err).toMatch(/\(see --help\)\n$/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('prints its help', async () => {
    expect(await runCreate(['--help'], io, recordingInstall(0))).toBe(0);
    expect(out).toMatch(/^Usage: npm create acai-plugin <name>/);
  });
});
