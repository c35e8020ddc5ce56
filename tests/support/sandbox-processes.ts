// Which processes of this test process are sandboxes: every bwrap below it and everything below that bwrap,
// read from /proc (the host's view, so pids are the host's, not the sandbox's own PID namespace's).
import { readdir, readFile } from 'node:fs/promises';

interface ProcessEntry {
  readonly parent: number;
  readonly command: string;
  readonly startTicks: string;
}

/** One process, named so a pid the kernel reuses later is not mistaken for it. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTicks: string;
}

/** The fields after "pid (comm) ": comm may hold spaces and parentheses, so read from the last ')'. */
function fieldsAfterCommand(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

async function processTable(): Promise<Map<number, ProcessEntry>> {
  const table = new Map<number, ProcessEntry>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    const fields = fieldsAfterCommand(stat);
    // state is field 3 of stat(5), ppid 4, starttime 22.
    table.set(Number(name), { parent: Number(fields[1]), command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), startTicks: fields[19] ?? '' });
  }
  return table;
}

/** Host pids of every sandbox process below `root` (default: this process): bwrap and all it started. */
export async function sandboxProcessIds(root: number = process.pid): Promise<ProcessIdentity[]> {
  const table = await processTable();
  const inSandbox = (pid: number): boolean => {
    let isBelowBubblewrap = table.get(pid)?.command === 'bwrap';
    for (let parent = table.get(pid)?.parent; parent !== undefined && parent > 1; parent = table.get(parent)?.parent) {
      if (parent === root) return isBelowBubblewrap;
      if (table.get(parent)?.command === 'bwrap') isBelowBubblewrap = true;
    }
    return false;
  };
  return [...table.entries()].filter(([pid]) => inSandbox(pid)).map(([pid, entry]) => ({ pid, startTicks: entry.startTicks }));
}

/** Whether any of `pids` still runs (a zombie counts as gone: it runs nothing and holds nothing open). */
export async function anyAlive(processes: readonly ProcessIdentity[]): Promise<boolean> {
  for (const { pid, startTicks } of processes) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    const fields = fieldsAfterCommand(stat);
    if (fields[19] === startTicks && fields[0] !== 'Z') return true;
  }
  return false;
}
