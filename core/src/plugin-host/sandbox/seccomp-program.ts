// A classic-BPF seccomp program, written out as the bytes `bwrap --seccomp FD` loads (an array of
// `struct sock_filter`). Hand-assembled rather than taken from libseccomp, because the filter is small,
// the host has no native dependencies, and every rule below is one a reviewer can check against the
// kernel's syscall tables.
//
// What it does, in order:
//   1. A syscall made under another ABI than the host's own (32-bit `int 0x80` on x86_64, x32) would get
//      other numbers past every rule below: it kills the process.
//   2. Without the `processes` permission, creating a process fails with EPERM: fork, vfork and clone
//      without CLONE_THREAD (threads, which Node and Python need, stay allowed); clone3 answers ENOSYS,
//      because its flags sit in memory a filter cannot read and libc then falls back to clone.
//   3. Always: kernel interfaces no plugin needs and that widen the attack surface (keyrings, bpf,
//      perf, userfaultfd, io_uring, module loading, mounts, namespaces, ptrace, reading other processes'
//      memory, file handles that bypass the mount namespace) fail with EPERM (io_uring with ENOSYS, so
//      libuv falls back to its thread pool).
//   4. Everything else is allowed.

/** The architectures the filter knows; on any other the sandbox reports itself unavailable. */
export type SeccompArchitecture = 'x64' | 'arm64';

const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JEQ_K = 0x15;
const BPF_JMP_JGE_K = 0x35;
const BPF_JMP_JSET_K = 0x45;
const BPF_RET_K = 0x06;

const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const ENOSYS = 38;

/** Offsets into `struct seccomp_data`: nr, arch, then args[0] (its low 32 bits on little-endian hosts). */
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0_LOW = 16;

const CLONE_THREAD = 0x00010000;
/** x86_64 marks x32-ABI syscalls with this bit in the number. */
const X32_SYSCALL_BIT = 0x40000000;

interface ArchitectureTable {
  readonly auditArch: number;
  readonly clone: number;
  readonly clone3: number;
  /** fork and vfork (absent on arm64, where libc uses clone). */
  readonly forks: readonly number[];
  /** Denied with EPERM in every sandbox. */
  readonly denied: readonly number[];
  /** Denied with ENOSYS (callers fall back to something else). */
  readonly unsupported: readonly number[];
  readonly hasX32: boolean;
}

// Numbers from the kernel's arch/x86/entry/syscalls/syscall_64.tbl and include/uapi/asm-generic/unistd.h.
const TABLES: Record<SeccompArchitecture, ArchitectureTable> = {
  x64: {
    auditArch: 0xc000003e,
    clone: 56,
    clone3: 435,
    forks: [57, 58],
    denied: [
      101, // ptrace
      103, // syslog
      153, // vhangup
      155, // pivot_root
      163, // acct
      165, // mount
      166, // umount2
      167, // swapon
      168, // swapoff
      169, // reboot
      172, // iopl
      173, // ioperm
      175, // init_module
      176, // delete_module
      179, // quotactl
      246, // kexec_load
      248, // add_key
      249, // request_key
      250, // keyctl
      272, // unshare
      298, // perf_event_open
      303, // name_to_handle_at
      304, // open_by_handle_at
      308, // setns
      310, // process_vm_readv
      311, // process_vm_writev
      312, // kcmp
      313, // finit_module
      320, // kexec_file_load
      321, // bpf
      323, // userfaultfd
      428, // open_tree
      429, // move_mount
      430, // fsopen
      431, // fsconfig
      432, // fsmount
      433, // fspick
      442, // mount_setattr
    ],
    unsupported: [425, 426, 427], // io_uring_setup, io_uring_enter, io_uring_register
    hasX32: true,
  },
  arm64: {
    auditArch: 0xc00000b7,
    clone: 220,
    clone3: 435,
    forks: [],
    denied: [
      39, // umount2
      40, // mount
      41, // pivot_root
      58, // vhangup
      60, // quotactl
      89, // acct
      97, // unshare
      104, // kexec_load
      105, // init_module
      106, // delete_module
      116, // syslog
      117, // ptrace
      142, // reboot
      217, // add_key
      218, // request_key
      219, // keyctl
      224, // swapon
      225, // swapoff
      241, // perf_event_open
      264, // name_to_handle_at
      265, // open_by_handle_at
      268, // setns
      270, // process_vm_readv
      271, // process_vm_writev
      272, // kcmp
      273, // finit_module
      280, // bpf
      282, // userfaultfd
      294, // kexec_file_load
      428, // open_tree
      429, // move_mount
      430, // fsopen
      431, // fsconfig
      432, // fsmount
      433, // fspick
      442, // mount_setattr
    ],
    unsupported: [425, 426, 427],
    hasX32: false,
  },
};

interface Instruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

const load = (offset: number): Instruction => ({ code: BPF_LD_W_ABS, jt: 0, jf: 0, k: offset });
const jumpIfEqual = (value: number, jt: number, jf: number): Instruction => ({ code: BPF_JMP_JEQ_K, jt, jf, k: value });
const returning = (action: number): Instruction => ({ code: BPF_RET_K, jt: 0, jf: 0, k: action >>> 0 });
const errno = (code: number): number => SECCOMP_RET_ERRNO | code;

/** The architecture of this Node process in the filter's terms, or undefined when it has no table. */
export function seccompArchitecture(arch: string = process.arch): SeccompArchitecture | undefined {
  return arch === 'x64' || arch === 'arm64' ? arch : undefined;
}

/** Options of {@link seccompProgram}. */
export interface SeccompOptions {
  /** Allow fork, vfork and clone of new processes (the `processes` permission). */
  readonly mayStartProcesses: boolean;
  readonly architecture: SeccompArchitecture;
}

/** The filter as the instructions `bwrap --seccomp` reads: 8 bytes each, in host byte order (little-endian on both tables). */
export function seccompProgram(options: SeccompOptions): Buffer {
  const table = TABLES[options.architecture];
  const program: Instruction[] = [load(OFFSET_ARCH), jumpIfEqual(table.auditArch, 1, 0), returning(SECCOMP_RET_KILL_PROCESS), load(OFFSET_NR)];
  if (table.hasX32) program.push({ code: BPF_JMP_JGE_K, jt: 0, jf: 1, k: X32_SYSCALL_BIT }, returning(SECCOMP_RET_KILL_PROCESS));
  const refuse = (numbers: readonly number[], action: number): void => {
    for (const number of numbers) program.push(jumpIfEqual(number, 0, 1), returning(action));
  };
  if (!options.mayStartProcesses) {
    // clone: a thread (CLONE_THREAD set) is allowed, a new process is not. A holds nr again after the
    // branch that skips it, so the rules after it still compare syscall numbers.
    program.push(
      jumpIfEqual(table.clone, 0, 4),
      load(OFFSET_ARG0_LOW),
      { code: BPF_JMP_JSET_K, jt: 0, jf: 1, k: CLONE_THREAD },
      returning(SECCOMP_RET_ALLOW),
      returning(errno(EPERM)),
    );
    refuse(table.forks, errno(EPERM));
    refuse([table.clone3], errno(ENOSYS));
  }
  refuse(table.denied, errno(EPERM));
  refuse(table.unsupported, errno(ENOSYS));
  program.push(returning(SECCOMP_RET_ALLOW));

  const bytes = Buffer.alloc(program.length * 8);
  program.forEach((instruction, index) => {
    bytes.writeUInt16LE(instruction.code, index * 8);
    bytes.writeUInt8(instruction.jt, index * 8 + 2);
    bytes.writeUInt8(instruction.jf, index * 8 + 3);
    bytes.writeUInt32LE(instruction.k, index * 8 + 4);
  });
  return bytes;
}
