import { describe, expect, it } from 'vitest';
import { bubblewrapArguments, innerBubblewrapArguments, type SandboxLayout } from './bubblewrap-arguments.js';

const layout: SandboxLayout = {
  mounts: [
    { kind: 'symlink', path: '/lib', target: 'usr/lib' },
    { kind: 'read-only', path: '/usr/lib/x86_64-linux-gnu' },
    { kind: 'read-only', path: '/srv/plugins/quotes' },
  ],
  files: [{ path: '/etc/hosts', content: '127.0.0.2 api.example.com\n' }],
  sockets: [{ hostPath: '/tmp/acai-sandbox-1/proxy.sock', path: '/run/acai/proxy.sock' }],
  scratchBytes: 16 * 1024 * 1024,
  workingDirectory: '/scratch',
  seccomp: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]),
  isOuterOfTwo: false,
};

function valueAfter(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

describe('bubblewrapArguments', () => {
  it('isolates every namespace, drops capabilities and nested user namespaces, and keeps the program PID 1', () => {
    const { args } = bubblewrapArguments(layout, 4);
    for (const flag of ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--as-pid-1']) expect(args).toContain(flag);
    expect(valueAfter(args, '--cap-drop')).toBe('ALL');
    expect(args).not.toContain('--share-net');
    expect(args).not.toContain('--cap-add');
  });

  it('mounts only the layout, read-only at the same paths, with the scratch tmpfs capped, and the root read-only last', () => {
    const { args } = bubblewrapArguments(layout, 4);
    expect(args.join(' ')).toContain('--symlink usr/lib /lib --ro-bind /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu --ro-bind /srv/plugins/quotes /srv/plugins/quotes');
    expect(args.join(' ')).toContain(`--size ${16 * 1024 * 1024} --perms 0700 --tmpfs /scratch`);
    expect(args.indexOf('--remount-ro')).toBeGreaterThan(args.indexOf('--tmpfs'));
    expect(args.filter((arg) => arg === '--bind' || arg === '--dev-bind')).toEqual([]);
    expect(valueAfter(args, '--chdir')).toBe('/scratch');
  });

  it('passes files and the filter on descriptors after the caller’s stdio, never on the command line', () => {
    const { args, inputs, innerSeccompDescriptor } = bubblewrapArguments(layout, 4);
    expect(valueAfter(args, '--ro-bind-data')).toBe('4');
    expect(valueAfter(args, '--seccomp')).toBe('5');
    expect(inputs).toEqual([Buffer.from('127.0.0.2 api.example.com\n'), layout.seccomp]);
    expect(args.join(' ')).not.toContain('api.example.com');
    expect(innerSeccompDescriptor).toBeUndefined();
  });

  it('leaves no scratch directory when none is granted, and starts in its working directory', () => {
    const { args } = bubblewrapArguments({ ...layout, scratchBytes: undefined, workingDirectory: '/' }, 3);
    expect(args).not.toContain('--tmpfs');
    expect(valueAfter(args, '--chdir')).toBe('/');
  });

  it('as the outer of two keeps what the inner bwrap needs and hands it the filter instead of loading it', () => {
    const { args, inputs, innerSeccompDescriptor } = bubblewrapArguments({ ...layout, isOuterOfTwo: true }, 3);
    expect(args).not.toContain('--disable-userns');
    expect(args).not.toContain('--cap-drop');
    expect(args).not.toContain('--seccomp');
    expect(valueAfter(args, '--dir')).toBe('/tmp');
    expect(innerSeccompDescriptor).toBe(4);
    expect(inputs[1]).toBe(layout.seccomp);
    const inner = innerBubblewrapArguments('/scratch', 3);
    expect(inner).toEqual(expect.arrayContaining(['--unshare-user', '--disable-userns', '--die-with-parent']));
    expect(valueAfter(inner, '--cap-drop')).toBe('ALL');
    expect(valueAfter(inner, '--seccomp')).toBe('3');
    expect(valueAfter(inner, '--chdir')).toBe('/scratch');
  });
});
