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
  /**
   * The program is the network forwarder, which starts the real program in a second, inner bubblewrap
   * ({@link innerBubblewrapArguments}): this outer sandbox keeps its capabilities and user namespaces
   * (confined to its own namespaces) so the inner one can be made, has no filter of its own, and hands
   * the filter to the inner one on a descriptor.
   */
  readonly isOuterOfTwo: boolean;
}

/** bwrap's arguments for a layout, and the bytes to send on the descriptors they name. */
export interface BubblewrapInvocation {
  readonly args: readonly string[];
  /** inputs[i] is written to descriptor `firstDescriptor + i` of the bwrap process, then closed. */
  readonly inputs: readonly Buffer[];
  /** Outer of two: the descriptor the inner bwrap reads the filter from (passed through to the forwarder). */
  readonly innerSeccompDescriptor: number | undefined;
}

/**
 * The bwrap command line of a sandbox: every namespace of its own (user, mount, PID with its own
 * `/proc`, network with only a loopback interface, IPC, UTS, cgroup), killed with its parent, its
 * program PID 1 (no bwrap process beside it whose `/proc` entries it could read); a root of its own
 * holding only the layout's mounts and files, made read-only once built, the scratch tmpfs as the one
 * writable place. A single sandbox also drops every capability, forbids nested user namespaces and
 * loads the seccomp filter; the outer of two leaves that to the inner one. `firstDescriptor` is the
 * first descriptor number free after the caller's stdio: files and the filter are passed on
 * descriptors, never on the command line, which the sandbox can read in `/proc/1/cmdline`.
 */
export function bubblewrapArguments(layout: SandboxLayout, firstDescriptor: number): BubblewrapInvocation {
  const inputs: Buffer[] = [];
  const descriptorFor = (bytes: Buffer): number => {
    inputs.push(bytes);
    return firstDescriptor + inputs.length - 1;
  };
  const args: string[] = ['--unshare-all', '--unshare-user', '--die-with-parent', '--as-pid-1'];
  if (!layout.isOuterOfTwo) args.push('--disable-userns', '--cap-drop', 'ALL');
  args.push('--hostname', 'sandbox', '--proc', '/proc', '--dev', '/dev');
  for (const mount of layout.mounts) {
    if (mount.kind === 'symlink') args.push('--symlink', mount.target, mount.path);
    else args.push('--ro-bind', mount.path, mount.path);
  }
  for (const file of layout.files) args.push('--perms', '0444', '--ro-bind-data', String(descriptorFor(Buffer.from(file.content, 'utf8'))), file.path);
  for (const socket of layout.sockets) args.push('--ro-bind', socket.hostPath, socket.path);
  if (layout.scratchBytes !== undefined) args.push('--size', String(layout.scratchBytes), '--perms', '0700', '--tmpfs', SCRATCH_DIR);
  // The inner bwrap needs an empty directory to build its root on.
  if (layout.isOuterOfTwo) args.push('--dir', '/tmp');
  // Last, once everything is in place: the root itself must not be a writable tmpfs without a size cap.
  args.push('--remount-ro', '/', '--chdir', layout.workingDirectory);
  if (!layout.isOuterOfTwo) {
    args.push('--seccomp', String(descriptorFor(layout.seccomp)));
    return { args, inputs, innerSeccompDescriptor: undefined };
  }
  return { args, inputs, innerSeccompDescriptor: descriptorFor(layout.seccomp) };
}

/**
 * The inner bwrap of two, started by the forwarder inside the outer sandbox: the same file system,
 * network and PID namespace (`/` bound as it is; the only other process is the forwarder, whose
 * environment is the program's own), no capabilities, no nested user namespaces, and the seccomp filter
 * (read from `seccompDescriptor`). A PID namespace of its own would need a `/proc` mount the kernel
 * refuses there.
 */
export function innerBubblewrapArguments(workingDirectory: string, seccompDescriptor: number): string[] {
  return [
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    '--dev-bind',
    '/',
    '/',
    '--chdir',
    workingDirectory,
    '--seccomp',
    String(seccompDescriptor),
  ];
}
