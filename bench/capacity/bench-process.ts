// The driver's side of a bench:capacity child process: starts a script (under tsx when it is TypeScript) with an IPC channel,
// waits for the port it announces, and asks its probe for figures (process-probe.mjs).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ListeningMessage, ProbeAnswer, ProbeCommand, ProbeRequest, ProcessReport } from './process-probe.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A running child process of the benchmark. */
export interface BenchProcess {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** The process's figures; `reset` starts a new event-loop-delay and GC window. */
  report(reset?: boolean): Promise<ProcessReport>;
  /** Forces a full GC, then reports. */
  collectGarbage(): Promise<ProcessReport>;
  /** Writes a heap snapshot (open it in Chrome DevTools), then reports. */
  writeHeapSnapshot(path: string): Promise<ProcessReport>;
  /** Starts the CPU profiler inside the process. */
  startProfile(): Promise<ProcessReport>;
  /** Stops it and writes the profile to `path`. */
  stopProfile(path: string): Promise<ProcessReport>;
  stop(): Promise<void>;
}

/** How to start one child. */
export interface BenchProcessOptions {
  /** Shown in forwarded stderr lines and errors. */
  readonly name: string;
  /** Script path relative to the repository root. */
  readonly script: string;
  readonly args?: readonly string[];
  /** The whole environment of the child (nothing is inherited but what is passed). */
  readonly env: Readonly<Record<string, string>>;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /** Where the child's stdout goes (its log, for the host); discarded when unset. */
  readonly stdoutFile?: string | undefined;
}

/** Starts `options.script` and resolves once it announced its port. */
export async function startBenchProcess(options: BenchProcessOptions): Promise<BenchProcess> {
  // TypeScript scripts run under tsx; plain JavaScript (the host) runs under node alone, with no flag
  // `node core/dist/main.js` lacks (the probe exposes gc() itself when asked for a full GC).
  const loader = options.script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...loader, options.script, ...(options.args ?? [])], {
    cwd: root,
    env: options.env,
    stdio: ['ignore', options.stdoutFile ? 'pipe' : 'ignore', 'pipe', 'ipc'],
  });
  if (options.stdoutFile && child.stdout) child.stdout.pipe(createWriteStream(options.stdoutFile));
  createInterface({ input: child.stderr as Readable }).on('line', (line) => process.stderr.write(`[${options.name}] ${line}\n`));

  const waiting = new Map<number, (report: ProcessReport) => void>();
  let nextId = 0;
  let announce: (port: number) => void = () => {};
  const announced = new Promise<number>((resolve) => {
    announce = resolve;
  });
  child.on('message', (message: ListeningMessage | ProbeAnswer) => {
    if (message.type === 'listening') announce(message.port);
    else if (message.type === 'probe-answer') {
      waiting.get(message.id)?.(message.report);
      waiting.delete(message.id);
    }
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new Error(`${options.name} exited (${String(code ?? signal)}) before it was stopped`);
  });
  exited.catch(() => {});
  const port = await Promise.race([announced, exited]);

  const ask = (command: ProbeCommand): Promise<ProcessReport> => {
    const id = (nextId += 1);
    const answered = new Promise<ProcessReport>((resolve) => waiting.set(id, resolve));
    child.send({ ...command, id } satisfies ProbeRequest);
    return Promise.race([answered, exited]);
  };
  return {
    name: options.name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    report: (reset = false) => ask({ type: 'report', reset }),
    collectGarbage: () => ask({ type: 'collect-garbage' }),
    writeHeapSnapshot: (path) => ask({ type: 'heap-snapshot', path }),
    startProfile: () => ask({ type: 'profile-start' }),
    stopProfile: (path) => ask({ type: 'profile-stop', path }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await done;
      clearTimeout(timer);
    },
  };
}
