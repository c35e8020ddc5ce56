import type { SandboxMount } from './mirror-host-paths.js';

/** Where the writable scratch directory appears inside the sandbox. */
export const SCRATCH_DIR = '/scratch';

/** Everything bubblewrap is told about one sandbox. */
export interface SandboxLayout {
  /** Host files and directories (read-only, at their host paths) and links, in order. */
  readonly mounts: readonly SandboxMount[];
  /** Small files written into the sandbox read-only (`/etc/hosts`, …). */
  readonly files: readonly { readonly path: string; readonly content: string }[];
  /** Unix sockets of the host bound into the sandbox (the network proxy). */
  readonly sockets: readonly { readonly hostPath: string; readonly path: string }[];
  /** Size of the writable {@link SCRATCH_DIR} in bytes; undefined: no scratch directory. */
  readonly scratchBytes: number | undefined;
  readonly workingDirectory: string;
  /** The seccomp program (seccompProgram). */
  readonly seccomp: Buffer;
  /** Capabilities kept inside the sandbox's own namespaces (all others are dropped). */
  readonly capabilities: readonly string[];
}

/** bwrap's arguments for a layout, and the bytes to send on the descriptors they name. */
export interface BubblewrapInvocation {
  readonly args: readonly string[];
  /** inputs[i] is written to descriptor `firstDescriptor + i` of the bwrap process, then closed. */
  readonly inputs: readonly Buffer[];
}

/**
 * The bwrap command line of a sandbox: every namespace of its own (user, mount, PID with its own
 * `/proc`, network with only a loopback interface, IPC, UTS, cgroup), no capabilities, no nested user
 * namespaces, killed with its parent; a root of
 * its own holding only the layout's mounts and files, made read-only once built, the scratch tmpfs as
 * the one writable place; and the seccomp filter. `firstDescriptor` is the first descriptor number free
 * after the caller's stdio (files and the filter are passed on descriptors, never on the command line,
 * which any process in the sandbox can read in `/proc/1/cmdline`).
 */
export function bubblewrapArguments(layout: SandboxLayout, firstDescriptor: number): BubblewrapInvocation {
  const inputs: Buffer[] = [];
  const descriptorFor = (bytes: Buffer): string => {
    inputs.push(bytes);
    return String(firstDescriptor + inputs.length - 1);
  };
  const args: string[] = [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    ...layout.capabilities.flatMap((capability) => ['--cap-add', capability]),
    '--hostname',
    'sandbox',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
  ];
  for (const mount of layout.mounts) {
    if (mount.kind === 'symlink') args.push('--symlink', mount.target, mount.path);
    else args.push('--ro-bind', mount.path, mount.path);
  }
  for (const file of layout.files) args.push('--perms', '0444', '--ro-bind-data', descriptorFor(Buffer.from(file.content, 'utf8')), file.path);
  for (const socket of layout.sockets) args.push('--ro-bind', socket.hostPath, socket.path);
  if (layout.scratchBytes !== undefined) args.push('--size', String(layout.scratchBytes), '--perms', '0700', '--tmpfs', SCRATCH_DIR);
  // Last, once everything is in place: the root itself must not be a writable tmpfs without a size cap.
  args.push('--remount-ro', '/', '--chdir', layout.workingDirectory, '--seccomp', descriptorFor(layout.seccomp));
  return { args, inputs };
}
