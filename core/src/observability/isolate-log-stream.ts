// The host's stdout is its JSON log stream. Worker threads share the process's file descriptors, so a
// thread-mode (or inline) plugin could write to that stream directly with fs.writeSync(1, …), around every
// redirection of process.stdout, and print lines that pass for the host's own. Node 20 has no dup(2), so
// the host moves its log stream instead: it gets a descriptor of its own onto stdout (a pipe, file or
// terminal is opened anew through /proc/self/fd/1; a socket, which /proc cannot open, is passed to a
// short-lived child over the IPC channel and handed back, which duplicates it), and puts a pipe it reads
// at descriptor 1. What anything in the process writes there comes back as `warn` log lines of the host,
// framed as JSON, scrubbed of secrets and throttled.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pino, type DestinationStream, type Logger } from 'pino';

/** The outcome of {@link isolateLogStream}. */
export interface LogStreamIsolation {
  /** Where the host's log lines go: a descriptor of its own onto what was stdout; undefined when not isolated (stdout itself). */
  readonly destination: DestinationStream | undefined;
  /** Why stdout stays the log stream, undefined when it was isolated: logged as a warning by {@link reportTo}. */
  readonly limitation: string | undefined;
  /** From now on, what is written to descriptor 1 becomes warn lines of `logger` (lines written before are kept, up to a bound). */
  reportTo(logger: Logger): void;
}

/** How much of what is written to stdout reaches the log: at most `maxLines` lines per `windowMs` (default 100 per 10 s); the rest are counted. */
export interface LogStreamIsolationOptions {
  readonly maxLines?: number;
  readonly windowMs?: number;
}

const MAX_LINE_CHARACTERS = 2_000;
const MAX_EARLY_LINES = 100;

// The reader runs in a thread of its own, so a host thread that blocks writing to a full pipe (a big
// console.log) is always drained and never waits on its own event loop.
const READER_SOURCE = `
const { Socket } = process.getBuiltinModule('node:net');
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { fd, maxLines, windowMs, maxCharacters } = workerData;
let partial = '';
let windowStart = Date.now();
let written = 0;
let dropped = 0;
let report;
const endWindow = () => {
  report = undefined;
  if (dropped > 0) parentPort.postMessage({ dropped });
  windowStart = Date.now();
  written = 0;
  dropped = 0;
};
const send = (line) => {
  if (line.trim() === '') return;
  if (Date.now() - windowStart >= windowMs) endWindow();
  if (written >= maxLines) {
    dropped += 1;
    // What was dropped is reported when the window ends, whether or not more lines come.
    report ??= setTimeout(endWindow, Math.max(0, windowStart + windowMs - Date.now()));
    return;
  }
  written += 1;
  parentPort.postMessage({ line: line.length > maxCharacters ? line.slice(0, maxCharacters) + '…' : line });
};
const input = new Socket({ fd, readable: true, writable: false });
input.setEncoding('utf8');
input.on('data', (chunk) => {
  const pieces = (partial + chunk).split('\\n');
  partial = (pieces.pop() ?? '').slice(0, maxCharacters + 1);
  for (const piece of pieces) send(piece);
});
input.on('error', () => {});
`;

// Hands back the descriptor it is sent, which the kernel duplicates on the way (SCM_RIGHTS), then exits.
const RELAY_SOURCE = `process.once('message', (_message, handle) => process.send('descriptor', handle, () => process.exit(0)));`;

/** The duplicated socket stays referenced for the life of the process, so nothing ever closes its descriptor. */
const keptSockets: Socket[] = [];

/**
 * Moves the host's log stream off descriptor 1 (Linux; stdout a pipe, a file, a terminal or a socket).
 * Call it once, first thing in a process the host owns, before any plugin is loaded: it replaces
 * descriptor 1 for the whole process. Never rejects: where it cannot isolate, stdout stays the log
 * stream and `limitation` says why.
 */
export async function isolateLogStream(options: LogStreamIsolationOptions = {}): Promise<LogStreamIsolation> {
  const kind = describeStdout();
  if (kind !== 'reopenable' && kind !== 'socket') return notIsolated(kind.reason);
  let logFd: number | undefined;
  let readFd: number | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'acai-stdout-'));
  try {
    const fifo = join(dir, 'stdout');
    execFileSync('mkfifo', ['-m', '600', fifo], { stdio: 'ignore', timeout: 5_000 });
    // Non-blocking opens: a pipe nobody reads any more fails here instead of hanging the start.
    logFd = kind === 'socket' ? await duplicateSocket(1) : openSync('/proc/self/fd/1', constants.O_WRONLY | constants.O_APPEND | constants.O_NONBLOCK);
    readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    for (const fd of [logFd, readFd]) if (fd !== undefined) closeQuietly(fd);
    rmSync(dir, { recursive: true, force: true });
    return notIsolated(`stdout could not be opened anew (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    closeSync(1);
    // The lowest free descriptor is 1 now; nothing else runs at this point of the start to take it first.
    const writeFd = openSync(join(dir, 'stdout'), constants.O_WRONLY);
    if (writeFd !== 1) {
      // Something took descriptor 1 in between: the log stream is safe on logFd all the same.
      closeQuietly(writeFd);
      return isolated(logFd, readFd, options, `descriptor 1 was taken by another file (got ${writeFd})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return isolated(logFd, readFd, options, undefined);
}

/** How stdout can be opened anew: through /proc, by duplicating the socket, or not at all (and why). */
function describeStdout(): 'reopenable' | 'socket' | { readonly reason: string } {
  if (process.platform !== 'linux') return { reason: 'stdout is isolated on Linux only' };
  try {
    const stat = fstatSync(1);
    // /proc cannot open a socket anew (systemd's journal stream is one, so is a Node parent's stdout pipe).
    if (stat.isSocket()) return 'socket';
    if (stat.isFIFO() || stat.isFile() || stat.isCharacterDevice()) return 'reopenable';
    return { reason: 'stdout is neither a pipe, a file, a terminal nor a socket' };
  } catch {
    return { reason: 'stdout is not open' };
  }
}

/** A second descriptor onto the socket at `fd`, by a round trip through a child's IPC channel. */
async function duplicateSocket(fd: number): Promise<number> {
  const original = new Socket({ fd, readable: false, writable: true });
  const relay = spawn(process.execPath, ['-e', RELAY_SOURCE], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env: {} });
  try {
    relay.send('descriptor', original, { keepOpen: true });
    const exited = once(relay, 'exit').then(() => {
      throw new Error('the relay process exited without handing the socket back');
    });
    const [, handle] = (await Promise.race([once(relay, 'message'), exited])) as [unknown, Socket | undefined];
    if (handle === undefined) throw new Error('the relay process handed back no socket');
    handle.pause();
    handle.unref();
    keptSockets.push(handle);
    const copy = (handle as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
    if (typeof copy !== 'number' || copy < 0) throw new Error('the handed-back socket has no descriptor');
    return copy;
  } finally {
    // The wrapper of descriptor 1 goes; libuv never closes descriptors 0–2, so stdout itself stays open here.
    original.destroy();
    if (relay.connected) relay.disconnect();
    relay.unref();
  }
}

function isolated(logFd: number, readFd: number, options: LogStreamIsolationOptions, limitation: string | undefined): LogStreamIsolation {
  const maxLines = options.maxLines ?? 100;
  const windowMs = options.windowMs ?? 10_000;
  let logger: Logger | undefined;
  const early: Array<{ line?: string; dropped?: number }> = [];
  const reader = new Worker(READER_SOURCE, {
    eval: true,
    workerData: { fd: readFd, maxLines, windowMs, maxCharacters: MAX_LINE_CHARACTERS },
    // The reader never touches the environment; it must not hold a copy of the host's secrets either.
    env: {},
    // Plain Node whatever flags the host runs with (a loader, --input-type): the source uses only built-ins.
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  reader.unref();
  const report = (message: { line?: string; dropped?: number }): void => {
    if (logger === undefined) {
      if (early.length < MAX_EARLY_LINES) early.push(message);
      return;
    }
    if (message.dropped !== undefined) logger.warn({ stream: 'stdout', dropped: message.dropped }, `${message.dropped} lines written to stdout were not logged (more than ${maxLines} in ${windowMs} ms)`);
    else logger.warn({ stream: 'stdout' }, String(message.line));
  };
  reader.on('message', report);
  reader.on('error', (error) => logger?.error({ err: error }, 'the reader of stdout stopped; what is written to stdout is lost'));
  return {
    destination: pino.destination({ dest: logFd, sync: true }),
    limitation,
    reportTo(target) {
      logger = target;
      if (limitation !== undefined) target.warn({ limitation }, `stdout was only partly isolated: ${limitation}`);
      for (const message of early.splice(0)) report(message);
    },
  };
}

function notIsolated(limitation: string): LogStreamIsolation {
  return {
    destination: undefined,
    limitation,
    reportTo(logger) {
      logger.warn(
        { limitation },
        `stdout stays the log stream (${limitation}): code in the host process (inline and thread-mode plugins) can write to it directly; run third-party plugins in process isolation`,
      );
    },
  };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
