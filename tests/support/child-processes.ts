import type { ChildProcess } from 'node:child_process';

// Child processes a test file starts (hosts, Redis servers, MCP clients) must not outlive it. Cleanup
// hooks stop them when tests pass or fail; but a test that runs into its timeout while a child is still
// starting never hands the child to its cleanup, and the orphan would keep a port, a database connection
// and CPU for the rest of the run. So every spawned child is also registered here and killed when the
// test file's process exits: normally, or by the SIGTERM vitest stops its workers with.

const owned = new Set<ChildProcess>();
let isExitHookInstalled = false;

function killOwned(): void {
  for (const child of owned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Registers `child` to be killed (SIGKILL) if it still runs when this process exits; returns it. */
export function killOnExit<T extends ChildProcess>(child: T): T {
  owned.add(child);
  child.once('exit', () => owned.delete(child));
  if (!isExitHookInstalled) {
    isExitHookInstalled = true;
    process.once('exit', killOwned);
    process.once('SIGTERM', () => {
      killOwned();
      // The handler is gone now: the signal's default action ends this process as before.
      process.kill(process.pid, 'SIGTERM');
    });
  }
  return child;
}
