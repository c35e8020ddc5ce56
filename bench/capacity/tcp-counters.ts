// The kernel's TCP counters that explain latency no process can see: a connection whose SYN found the
// listener's accept queue full is dropped (ListenOverflows) and the client retries 1 s, then 3 s, later
// (TCPSynRetrans); a lost segment waits for a retransmission timeout (200 ms at least). Machine-wide
// (Linux /proc/net), so other work on the machine counts too; the bench prints the change over a step.
import { readFileSync } from 'node:fs';

/** The counters the bench prints; zeros where /proc/net is not readable. */
export interface TcpCounters {
  readonly listenOverflows: number;
  readonly synRetransmits: number;
  readonly retransmittedSegments: number;
}

/** Parses /proc/net/{netstat,snmp}'s "Prefix: names" / "Prefix: values" line pairs. */
function readCounterTable(path: string): Map<string, number> {
  const counters = new Map<string, number>();
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').trim().split('\n');
  } catch {
    return counters;
  }
  for (let index = 0; index + 1 < lines.length; index += 2) {
    const names = lines[index]!.split(/\s+/);
    const values = lines[index + 1]!.split(/\s+/);
    const prefix = names[0]!.replace(':', '');
    for (let column = 1; column < names.length; column += 1) counters.set(`${prefix}.${names[column]}`, Number(values[column]));
  }
  return counters;
}

export function readTcpCounters(): TcpCounters {
  const netstat = readCounterTable('/proc/net/netstat');
  const snmp = readCounterTable('/proc/net/snmp');
  return {
    listenOverflows: netstat.get('TcpExt.ListenOverflows') ?? 0,
    synRetransmits: netstat.get('TcpExt.TCPSynRetrans') ?? 0,
    retransmittedSegments: snmp.get('Tcp.RetransSegs') ?? 0,
  };
}

/** What changed between two readings. */
export function tcpCountersSince(before: TcpCounters, after: TcpCounters = readTcpCounters()): TcpCounters {
  return {
    listenOverflows: after.listenOverflows - before.listenOverflows,
    synRetransmits: after.synRetransmits - before.synRetransmits,
    retransmittedSegments: after.retransmittedSegments - before.retransmittedSegments,
  };
}
