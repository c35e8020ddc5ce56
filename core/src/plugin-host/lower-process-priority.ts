import { writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Best effort, like the worker plugins' niceness. A process in a session of its own (a stdio MCP server,
 * a sandbox) is, under Linux's autogroup scheduling, an equal of the host's whole session; renicing its
 * autogroup (which everything it starts shares) keeps it below the host's request path, renicing the
 * process does where autogroups are off.
 */
export function lowerProcessPriority(pid: number | undefined, niceness: number): void {
  if (pid === undefined || niceness <= 0) return;
  const value = Math.min(19, niceness);
  try {
    setPriority(pid, value);
  } catch {
    // not permitted here; the process runs at the host's priority
  }
  if (process.platform !== 'linux') return;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(value));
  } catch {
    // no autogroup scheduling (or not permitted)
  }
}
