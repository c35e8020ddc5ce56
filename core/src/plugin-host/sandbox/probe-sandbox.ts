import { constants } from 'node:fs';
import { access, realpath } from 'node:fs/promises';
import { NO_PERMISSIONS } from '../permissions/index.js';
import { createSandbox } from './create-sandbox.js';
import { seccompArchitecture } from './seccomp-program.js';
import type { Logger } from 'pino';

/** Whether this machine can make sandboxes, and if not why and how to fix it. */
export type SandboxProbe = { readonly isAvailable: true; readonly bubblewrapPath: string } | { readonly isAvailable: false; readonly reason: string; readonly fix: string };

/** Where bubblewrap is looked for when PLUGIN_SANDBOX_BWRAP does not name it (fixed places, not PATH: a PATH entry must not decide what the sandbox is). */
export const BUBBLEWRAP_LOCATIONS: readonly string[] = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'];

const OPT_OUT_FIX = 'or, only for code you trust with everything the host has, set "sandbox": "none" on the entry';
const PROBE_TIMEOUT_MS = 60_000;
const probes = new Map<string, Promise<SandboxProbe>>();

/**
 * Finds bubblewrap and starts Node in a sandbox once (cached per configured path): Linux on x64 or arm64,
 * the binary present, and user, PID and network namespaces, the seccomp filter and the mounts all
 * accepted by this kernel and container. The answer says what failed and the fix.
 */
export function probeSandbox(configuredPath: string | undefined, logger: Logger): Promise<SandboxProbe> {
  const key = configuredPath ?? '';
  let probe = probes.get(key);
  if (probe === undefined) {
    probe = runProbe(configuredPath, logger);
    probes.set(key, probe);
  }
  return probe;
}

async function runProbe(configuredPath: string | undefined, logger: Logger): Promise<SandboxProbe> {
  if (process.platform !== 'linux') {
    return { isAvailable: false, reason: `this host runs on ${process.platform}; the sandbox needs Linux with bubblewrap`, fix: `Run the host on Linux, ${OPT_OUT_FIX}.` };
  }
  if (seccompArchitecture() === undefined) {
    return { isAvailable: false, reason: `the sandbox's system-call filter has no table for ${process.arch}`, fix: `Run the host on x64 or arm64, ${OPT_OUT_FIX}.` };
  }
  const bubblewrapPath = await findBubblewrap(configuredPath);
  if (bubblewrapPath === undefined) {
    const where = configuredPath === undefined ? BUBBLEWRAP_LOCATIONS.join(', ') : configuredPath;
    return {
      isAvailable: false,
      reason: `bubblewrap (bwrap) was not found (looked at ${where})`,
      fix: `Install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap) or point PLUGIN_SANDBOX_BWRAP at it, ${OPT_OUT_FIX}.`,
    };
  }
  const sandbox = await createSandbox({
    name: 'sandbox probe',
    bubblewrapPath,
    programPaths: [],
    runtime: 'node',
    permissions: NO_PERMISSIONS,
    networkHosts: [],
    environment: {},
    protectedPaths: [],
    logger,
  });
  const child = sandbox.spawn(await realpath(process.execPath), ['-e', ''], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  clearTimeout(timer);
  await sandbox.dispose();
  if (exit.code === 0) return { isAvailable: true, bubblewrapPath };
  const detail = (exit.error?.message ?? stderr.trim()) || `exit code ${exit.code}`;
  const isNamespaceRefused = /namespace|Operation not permitted|setting up uid map|No permissions/i.test(detail);
  return {
    isAvailable: false,
    reason: `bubblewrap could not start a sandbox here: ${detail.split('\n')[0]}`,
    fix: isNamespaceRefused
      ? `Allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04+ kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap; in a container, a seccomp profile that permits clone with CLONE_NEWUSER), ${OPT_OUT_FIX}.`
      : `Run ${bubblewrapPath} by hand to see why, ${OPT_OUT_FIX}.`,
  };
}

async function findBubblewrap(configuredPath: string | undefined): Promise<string | undefined> {
  for (const candidate of configuredPath === undefined ? BUBBLEWRAP_LOCATIONS : [configuredPath]) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
