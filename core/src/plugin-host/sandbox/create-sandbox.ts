import { spawn, type ChildProcess, type IOType, type StdioNull, type StdioPipe } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HostError } from '../../errors/index.js';
import { lowerProcessPriority } from '../lower-process-priority.js';
import { isInside, type PermissionSet } from '../permissions/index.js';
import { bubblewrapArguments, innerBubblewrapArguments, SCRATCH_DIR, type SandboxLayout } from './bubblewrap-arguments.js';
import { compiledHostFile, HOST_PACKAGE_JSON, requireCompiledHostFile } from './host-files.js';
import { mirrorHostPaths, type SandboxMount } from './mirror-host-paths.js';
import { startNetworkProxy, type NetworkProxy } from './network-proxy.js';
import { programRuntimePaths, SYSTEM_RUNTIME_PATHS } from './runtime-paths.js';
import { seccompArchitecture, seccompProgram } from './seccomp-program.js';
import type { ForwarderConfig } from './sandbox-forwarder.js';
import { planForwarder, type ForwarderPlan } from './sandbox-forwarder-plan.js';

/** A host path no sandbox may show, with what it is (for the refusal). */
export interface ProtectedPath {
  readonly path: string;
  /** "the host's data directory", "plugins.config.json", … */
  readonly what: string;
}

/** Options of {@link createSandbox}. */
export interface SandboxOptions {
  /** The plugin's name, for logs. */
  readonly name: string;
  readonly bubblewrapPath: string;
  /** Host paths the program needs besides the runtime (its code and dependencies), read-only. */
  readonly programPaths: readonly string[];
  /** `node`: only the host's Node binary and its libraries; `system`: the system's program directories too. */
  readonly runtime: 'node' | 'system';
  /** What the operator granted (read paths, scratch, processes; env values come in `environment`). */
  readonly permissions: PermissionSet;
  /**
   * Hosts the program's own connections may reach, through the filtering proxy (stdio MCP servers). Plugin
   * workers pass none: their HTTP runs host-side, through the worker protocol.
   */
  readonly networkHosts: readonly string[];
  /** The program's whole environment (granted variables only). HOME and TMPDIR are set here. */
  readonly environment: Readonly<Record<string, string>>;
  /** Where the program starts; default: the scratch directory, or `/`. */
  readonly workingDirectory?: string;
  /** Refused when a mount would show one of them (the data directory, the config, the home directory). */
  readonly protectedPaths: readonly ProtectedPath[];
  readonly logger: Logger;
}

/** What the sandbox gives its program, for the admin API and the console. */
export interface SandboxDescription {
  readonly kind: 'bubblewrap';
  /** Host paths mounted read-only (besides the runtime): the program's code, dependencies and granted paths. */
  readonly readOnlyPaths: readonly string[];
  readonly scratchMb: number | undefined;
  readonly networkHosts: readonly string[];
  readonly mayStartProcesses: boolean;
}

/** How a program is started in a sandbox; its stdio is the caller's (descriptors after them are the sandbox's own). */
export interface SandboxSpawnOptions {
  readonly stdio: ReadonlyArray<IOType | StdioNull | StdioPipe | 'ipc'>;
  readonly serialization?: 'json' | 'advanced';
  /** CPU niceness (1–19) of everything in the sandbox, from its first instruction; 0 or absent leaves it. */
  readonly niceness?: number;
}

/** A prepared sandbox: every process it spawns gets the same file system, network and limits. */
export interface Sandbox {
  readonly description: SandboxDescription;
  /**
   * Starts `command` (an absolute path as the sandbox sees it) under bubblewrap, in the host's session and
   * process group: a session of its own would be a scheduler autogroup of its own, which costs every call a
   * wait for that group's turn (docs/sandbox.md, "Measurements"). What a group of its own protected against
   * (kill(0, …), TIOCSTI) the seccomp filter refuses. The returned process is bwrap: signalling it stops the
   * whole sandbox (`--die-with-parent` kills its PID 1, and the PID namespace dies with it).
   */
  spawn(command: string, args: readonly string[], options: SandboxSpawnOptions): ChildProcess;
  /** Stops the network proxy and removes its socket (once; later calls wait for the first). */
  dispose(): Promise<void>;
}

const PROXY_SOCKET_IN_SANDBOX = '/run/acai/proxy.sock';
/** coreutils' nice: bwrap starts already reniced, so no process of the sandbox ever runs at the host's priority. */
const NICE_LOCATIONS = ['/usr/bin/nice', '/bin/nice'];
const MIB = 1024 * 1024;

/**
 * Prepares a bubblewrap sandbox for one plugin: resolves what it mounts (the runtime, the program's
 * paths, the granted read paths; links recreated, never a protected host path), the seccomp filter, and
 * for granted network hosts the filtering proxy and the loopback forwarder. Throws HOST_SANDBOX_REFUSED
 * when a mount would expose a protected path, HOST_SANDBOX_UNAVAILABLE when this machine cannot sandbox.
 */
export async function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  const architecture = seccompArchitecture();
  if (architecture === undefined) throw new HostError('HOST_SANDBOX_UNAVAILABLE', `the sandbox's system-call filter has no table for ${process.arch}`);
  const nodePath = await realpath(process.execPath);
  const hasNetwork = options.networkHosts.length > 0;
  const forwarderPath = hasNetwork ? await requireCompiledHostFile(compiledHostFile(new URL('./sandbox-forwarder.ts', import.meta.url))) : undefined;
  const runtimePaths = [
    // Node as the host runs it (process.execPath may be a link) and as it really is.
    process.execPath,
    ...(await programRuntimePaths(nodePath)),
    ...(options.runtime === 'system' || options.permissions.processes ? SYSTEM_RUNTIME_PATHS : []),
  ];
  const codePaths = [...options.programPaths, ...options.permissions.read, ...(forwarderPath === undefined ? [] : [forwarderPath, HOST_PACKAGE_JSON, options.bubblewrapPath])];
  const mounts = await mirrorHostPaths([...runtimePaths, ...codePaths]);
  await refuseProtectedPaths(mounts, options.protectedPaths, options.name);

  let proxy: NetworkProxy | undefined;
  let proxyDirectory: string | undefined;
  const forwarder = hasNetwork ? planForwarder(options.networkHosts) : undefined;
  if (hasNetwork) {
    proxyDirectory = await mkdtemp(join(tmpdir(), 'acai-sandbox-'));
    proxy = await startNetworkProxy({
      allowedHosts: options.networkHosts,
      directory: proxyDirectory,
      onRefused: (destination, reason) => options.logger.warn({ destination, reason }, 'sandboxed program tried to reach a host outside its grant or the host is unreachable'),
    });
  }
  const scratchMb = options.permissions.scratchMb;
  const mayStartProcesses = options.permissions.processes;
  const layout: SandboxLayout = {
    mounts,
    files:
      forwarder === undefined
        ? []
        : [
            { path: '/etc/hosts', content: forwarder.hostsFile },
            { path: '/etc/nsswitch.conf', content: 'hosts: files\n' },
          ],
    sockets: proxy === undefined ? [] : [{ hostPath: proxy.socketPath, path: PROXY_SOCKET_IN_SANDBOX }],
    scratchBytes: scratchMb === undefined ? undefined : scratchMb * MIB,
    workingDirectory: options.workingDirectory ?? (scratchMb === undefined ? '/' : SCRATCH_DIR),
    seccomp: seccompProgram({ mayStartProcesses, architecture }),
    isOuterOfTwo: hasNetwork,
  };
  const environment: Record<string, string> = {
    ...options.environment,
    HOME: scratchMb === undefined ? '/nonexistent' : SCRATCH_DIR,
    ...(scratchMb === undefined ? {} : { TMPDIR: SCRATCH_DIR }),
  };
  const description: SandboxDescription = {
    kind: 'bubblewrap',
    readOnlyPaths: [...new Set(codePaths)],
    scratchMb,
    networkHosts: [...options.networkHosts],
    mayStartProcesses,
  };
  const nicePath = NICE_LOCATIONS.find((path) => existsSync(path));
  let disposed: Promise<void> | undefined;
  return {
    description,
    spawn(command, args, spawnOptions) {
      const invocation = bubblewrapArguments(layout, spawnOptions.stdio.length);
      const seccompDescriptor = invocation.innerSeccompDescriptor;
      const program =
        forwarder === undefined || forwarderPath === undefined || seccompDescriptor === undefined
          ? [command, ...args]
          : [nodePath, forwarderPath, JSON.stringify(forwarderConfig(forwarder, layout.workingDirectory, options.bubblewrapPath, seccompDescriptor)), command, ...args];
      // nice(1) adds to the host's own niceness; add only what is missing, so the sandbox ends at the nicer of
      // the two, as worker plugins and other MCP servers do (lower-process-priority.ts).
      const niceness = Math.min(19, spawnOptions.niceness ?? 0);
      const increment = Math.max(0, niceness - getPriority());
      const bubblewrapArgs = [...invocation.args, '--', ...program];
      // nice execs bwrap in place: the pid (what the caller signals) is bwrap's.
      const viaNice = increment > 0 && nicePath !== undefined;
      const child = spawn(viaNice ? nicePath : options.bubblewrapPath, viaNice ? ['-n', String(increment), options.bubblewrapPath, ...bubblewrapArgs] : bubblewrapArgs, {
        env: environment,
        stdio: [...spawnOptions.stdio, ...invocation.inputs.map((): StdioPipe => 'pipe')],
        ...(spawnOptions.serialization === undefined ? {} : { serialization: spawnOptions.serialization }),
      });
      // No nice on this machine: renice bwrap at once (what it has already started keeps the host's priority).
      if (increment > 0 && !viaNice) lowerProcessPriority(child.pid, niceness);
      invocation.inputs.forEach((bytes, index) => {
        const stream = child.stdio[spawnOptions.stdio.length + index] as NodeJS.WritableStream & { unref?: () => void } | null | undefined;
        if (stream === null || stream === undefined) return;
        // bwrap reads these while it sets up; if it failed first, the broken pipe is its exit's business.
        stream.on('error', () => {});
        stream.end(bytes);
        stream.unref?.();
      });
      return child;
    },
    dispose() {
      disposed ??= (async () => {
        await proxy?.close();
        if (proxyDirectory !== undefined) await rm(proxyDirectory, { recursive: true, force: true });
      })();
      return disposed;
    },
  };
}

/** The forwarder's instructions: its listeners, and the inner bwrap that gets the filter (as descriptor 3). */
function forwarderConfig(plan: ForwarderPlan, workingDirectory: string, bubblewrapPath: string, seccompDescriptor: number): ForwarderConfig {
  const innerDescriptor = 3;
  return {
    socket: PROXY_SOCKET_IN_SANDBOX,
    listeners: plan.listeners,
    inner: { bubblewrap: bubblewrapPath, args: innerBubblewrapArguments(workingDirectory, innerDescriptor), seccompDescriptor },
  };
}

async function refuseProtectedPaths(mounts: readonly SandboxMount[], protectedPaths: readonly ProtectedPath[], name: string): Promise<void> {
  const resolved = await Promise.all(protectedPaths.map(async (entry) => ({ ...entry, real: await realpath(entry.path).catch(() => entry.path) })));
  for (const mount of mounts) {
    if (mount.kind !== 'read-only') continue;
    const exposed = resolved.find((entry) => isInside(entry.real, mount.path) || isInside(entry.path, mount.path));
    if (exposed !== undefined) {
      throw new HostError(
        'HOST_SANDBOX_REFUSED',
        `${name}: the sandbox would mount ${mount.path}, which holds ${exposed.what} (${exposed.path}). Keep plugin packages, their dependencies and granted read paths outside it (or move it).`,
      );
    }
  }
}
