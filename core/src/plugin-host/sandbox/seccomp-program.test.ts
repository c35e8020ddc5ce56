import { describe, expect, it } from 'vitest';
import { seccompArchitecture, seccompProgram, type SeccompArchitecture } from './seccomp-program.js';

// A classic-BPF interpreter for the few instructions the program uses, run over `struct seccomp_data`,
// so the tests check what the kernel would decide rather than the bytes.
const ALLOW = 0x7fff0000;
const KILL_PROCESS = 0x80000000;
const errno = (code: number) => 0x00050000 | code;
const EPERM = 1;
const ENOSYS = 38;

interface Syscall {
  readonly arch: number;
  readonly nr: number;
  readonly arg0?: number;
}

function run(program: Buffer, call: Syscall): number {
  const data = Buffer.alloc(64);
  data.writeInt32LE(call.nr, 0);
  data.writeUInt32LE(call.arch, 4);
  data.writeUInt32LE((call.arg0 ?? 0) >>> 0, 16);
  let accumulator = 0;
  for (let pc = 0; pc < program.length / 8; pc += 1) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20:
        accumulator = data.readUInt32LE(k);
        break;
      case 0x15:
        pc += accumulator === k ? jt : jf;
        break;
      case 0x35:
        pc += accumulator >= k ? jt : jf;
        break;
      case 0x45:
        pc += (accumulator & k) !== 0 ? jt : jf;
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`unexpected instruction 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('the program fell off its end');
}

const X64 = 0xc000003e;
const ARM64 = 0xc00000b7;
const CLONE_THREAD = 0x00010000;
const THREAD_FLAGS = 0x3d0f00; // what glibc's pthread_create passes: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT/CHILD_SETTID
const FORK_FLAGS = 0x01200011; // glibc's fork: CHILD_SETTID|CHILD_CLEARTID|SIGCHLD

describe('seccompProgram', () => {
  const decide = (architecture: SeccompArchitecture, mayStartProcesses: boolean, call: Syscall) => run(seccompProgram({ architecture, mayStartProcesses }), call);

  it('lets threads start and refuses new processes without the processes permission (x64)', () => {
    expect(decide('x64', false, { arch: X64, nr: 56, arg0: THREAD_FLAGS })).toBe(ALLOW);
    expect(THREAD_FLAGS & CLONE_THREAD).not.toBe(0);
    expect(decide('x64', false, { arch: X64, nr: 56, arg0: FORK_FLAGS })).toBe(errno(EPERM));
    expect(decide('x64', false, { arch: X64, nr: 57 })).toBe(errno(EPERM)); // fork
    expect(decide('x64', false, { arch: X64, nr: 58 })).toBe(errno(EPERM)); // vfork
    // clone3 hides its flags in memory: ENOSYS makes libc fall back to clone, which the filter can read.
    expect(decide('x64', false, { arch: X64, nr: 435 })).toBe(errno(ENOSYS));
  });

  it('lets processes start with the permission, and still refuses the kernel interfaces no plugin needs', () => {
    expect(decide('x64', true, { arch: X64, nr: 56, arg0: FORK_FLAGS })).toBe(ALLOW);
    expect(decide('x64', true, { arch: X64, nr: 57 })).toBe(ALLOW);
    expect(decide('x64', true, { arch: X64, nr: 435 })).toBe(ALLOW);
    for (const nr of [101, 165, 272, 304, 308, 310, 321, 323, 250]) expect(decide('x64', true, { arch: X64, nr }), `syscall ${nr}`).toBe(errno(EPERM));
    for (const nr of [425, 426, 427]) expect(decide('x64', true, { arch: X64, nr }), `io_uring ${nr}`).toBe(errno(ENOSYS));
  });

  it('allows ordinary system calls', () => {
    for (const nr of [0, 1, 2, 9, 59, 202, 231, 257, 262]) expect(decide('x64', false, { arch: X64, nr }), `syscall ${nr}`).toBe(ALLOW);
  });

  it('kills a process that calls in through another ABI, where the numbers mean other calls', () => {
    expect(decide('x64', false, { arch: 0x40000003, nr: 2 })).toBe(KILL_PROCESS); // i386 (int 0x80) fork is nr 2
    expect(decide('x64', true, { arch: X64, nr: 0x40000000 + 56 })).toBe(KILL_PROCESS); // x32
    expect(decide('arm64', false, { arch: X64, nr: 220 })).toBe(KILL_PROCESS);
  });

  it('uses the generic syscall table on arm64', () => {
    expect(decide('arm64', false, { arch: ARM64, nr: 220, arg0: THREAD_FLAGS })).toBe(ALLOW);
    expect(decide('arm64', false, { arch: ARM64, nr: 220, arg0: FORK_FLAGS })).toBe(errno(EPERM));
    expect(decide('arm64', false, { arch: ARM64, nr: 40 })).toBe(errno(EPERM)); // mount
    expect(decide('arm64', false, { arch: ARM64, nr: 63 })).toBe(ALLOW); // read
  });

  it('knows x64 and arm64 only', () => {
    expect(seccompArchitecture('x64')).toBe('x64');
    expect(seccompArchitecture('arm64')).toBe('arm64');
    expect(seccompArchitecture('ia32')).toBeUndefined();
  });
});
