import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCommand } from './resolve-command.js';
import { parseLddOutput } from './runtime-paths.js';

describe('resolveCommand', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'acai-command-test-'));
    await mkdir(join(root, 'bin'));
    await mkdir(join(root, 'other'));
    await writeFile(join(root, 'bin/server'), '#!/bin/sh\n');
    await chmod(join(root, 'bin/server'), 0o755);
    await writeFile(join(root, 'other/server'), 'not executable');
    await mkdir(join(root, 'bin/a-directory'));
  });

  afterAll(() => rm(root, { recursive: true, force: true }));

  it('searches PATH for a bare name, skipping what is not an executable file', async () => {
    expect(await resolveCommand('server', root, `${join(root, 'other')}:${join(root, 'bin')}`)).toBe(join(root, 'bin/server'));
    expect(await resolveCommand('a-directory', root, join(root, 'bin'))).toBeUndefined();
    expect(await resolveCommand('server', root, undefined)).toBeUndefined();
  });

  it('takes a path relative to the working directory as spawn does', async () => {
    expect(await resolveCommand('./bin/server', root, '')).toBe(join(root, 'bin/server'));
    expect(await resolveCommand(join(root, 'other/server'), '/', '')).toBeUndefined();
  });
});

describe('parseLddOutput', () => {
  it('takes the resolved paths and the loader, and skips the vDSO and missing libraries', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007fb7cae00000)',
      '\tlibmissing.so => not found',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007fb7cb16e000)',
    ].join('\n');
    expect(parseLddOutput(output)).toEqual(['/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });
});
