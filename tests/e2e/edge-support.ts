// Support for the production-edge e2e suites (tests/e2e/edge-*.test.ts): real host processes,
// a cuttable TCP hop in front of a real server, and per-file database names.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createConnection, createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killOnExit } from '../support/child-processes.js';
import { BUILT_MAIN, REPO_PLUGINS_CONFIG } from './host-support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A host started exactly as `npm start` starts it (core/dist/main.js), in its own process. */
export interface HostProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every stdout and stderr line so far (the JSON log lines and anything else). */
  readonly lines: string[];
  /** The stdout lines alone: the host's log stream. */
  readonly stdoutLines: string[];
  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the first log line matching, waiting for it if needed. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/** A named pipe: the write end for a child's stdout, the read end as a stream (the pipe itself is unlinked at once). */
function openFifo(): { writeFd: number; reader: Socket } {
  const dir = mkdtempSync(join(tmpdir(), 'acai-fifo-'));
  try {
    const path = join(dir, 'stdout');
    execFileSync('mkfifo', [path]);
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return { writeFd: openSync(path, constants.O_WRONLY), reader: new Socket({ fd: readFd, readable: true, writable: false }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Spawns `node core/dist/main.js` with exactly `env` (plus PATH/HOME) on a free port; `command` runs another
 * host binary instead (e.g. an installed `acai serve`), `cwd` where it runs. Its stdout is a socket (what Node's
 * `pipe` makes), or with `stdout: 'fifo'` a named pipe, as a shell pipeline or a container runtime gives it.
 */
export async function startHostProcess(
  env: Record<string, string>,
  options: { readonly command?: readonly [string, ...string[]]; readonly cwd?: string; readonly stdout?: 'socket' | 'fifo' } = {},
): Promise<HostProcess> {
  const fifo = options.stdout === 'fifo' ? openFifo() : undefined;
  const [command, ...args] = options.command ?? [process.execPath, BUILT_MAIN];
  const child = killOnExit(spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      PLUGINS_CONFIG: REPO_PLUGINS_CONFIG,
      ...env,
    },
    stdio: ['ignore', fifo?.writeFd ?? 'pipe', 'pipe'],
  }));
  if (fifo !== undefined) closeSync(fifo.writeFd);
  const stdout = fifo?.reader ?? child.stdout!;
  const lines: string[] = [];
  const waiters: Array<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];
  const parsed: Array<Record<string, unknown>> = [];
  const onLine = (line: string) => {
    lines.push(line);
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    parsed.push(entry);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(entry)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(entry);
      }
    }
  };
  const stdoutLines: string[] = [];
  createInterface({ input: stdout }).on('line', (line) => {
    stdoutLines.push(line);
    onLine(line);
  });
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const waitForLog = (predicate: (line: Record<string, unknown>) => boolean) => {
    const seen = parsed.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve) => waiters.push({ predicate, resolve }));
  };
  const listening = await Promise.race([
    waitForLog((line) => line.msg === 'acai host listening'),
    exited.then((code) => {
      throw new Error(`host exited with ${String(code)} before listening:\n${lines.join('\n')}`);
    }),
  ]);
  return {
    url: String(listening.url),
    child,
    lines,
    stdoutLines,
    logs: () => parsed,
    waitForLog,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * A TCP hop in front of a real server, so a test can take the dependency away (`cut`: refuse new
 * connections and drop open ones) and bring it back (`restore`) without killing the shared server.
 */
export interface TcpHop {
  readonly port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpHop(targetHost: string, targetPort: number): Promise<TcpHop> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = async (listenPort: number) => {
    const next = createServer((incoming) => {
      const outgoing = createConnection({ host: targetHost, port: targetPort });
      sockets.add(incoming);
      sockets.add(outgoing);
      const drop = () => {
        incoming.destroy();
        outgoing.destroy();
        sockets.delete(incoming);
        sockets.delete(outgoing);
      };
      incoming.on('error', drop).on('close', drop);
      outgoing.on('error', drop).on('close', drop);
      incoming.pipe(outgoing);
      outgoing.pipe(incoming);
    });
    next.listen(listenPort, '127.0.0.1');
    await once(next, 'listening');
    server = next;
    const address = next.address();
    port = typeof address === 'object' && address ? address.port : listenPort;
  };
  const shut = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await open(0);
  return {
    get port() {
      return port;
    },
    cut: shut,
    restore: () => open(port),
    close: shut,
  };
}

/** host:port of a mongodb:// or redis:// URL. */
export function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}
