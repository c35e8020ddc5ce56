import { writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Best effort, like the worker plugins' niceness. `process` renices that one process (what it starts
 * later inherits it). `session` is for a process that leads a session of its own (an unsandboxed stdio
 * MCP server): under Linux's autogroup scheduling that session is an equal of the host's whole session,
 * so its autogroup (which everything it starts shares) is reniced too. Never `session` for a process in
 * the host's own session: that autogroup is the host's. The result is the nicer of `niceness` and the
 * process's own, as in the worker (plugin-worker.ts) and the sandbox (create-sandbox.ts).
 */
export function lowerProcessPriority(pid: number | undefined, niceness: number, scope: 'process' | 'session' = 'process'): void {
  if (pid === undefined || niceness <= 0) return;
  const value = Math.min(19, niceness);
  try {
    // Only ever lower: a host that already runs nicer than `niceness` keeps its plugins at its own priority.
    if (getPriority(pid) < value) setPriority(pid, value);
  } catch {
    // not permitted here; the process runs at the host's priority
  }
  if (scope !== 'session' || process.platform !== 'linux') return;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(value));
  } catch {
    // no autogroup scheduling (or not permitted)
  }
}
