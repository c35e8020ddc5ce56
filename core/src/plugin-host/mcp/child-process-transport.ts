import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { lowerProcessPriority } from '../lower-process-priority.js';
import type { Sandbox } from '../sandbox/index.js';

/** A stdio server's sandbox, and its command as found on the host (the sandbox starts it by that path). */
export interface SandboxedCommand {
  readonly sandbox: Sandbox;
  readonly command: string;
}

/** Options of {@link ChildProcessTransport}. */
export interface ChildProcessTransportOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** The server's whole environment (the config adds PATH, HOME, … to what the entry sets; nothing else of the host's). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Unread stdout larger than this (one oversized message) is a protocol failure: the server is stopped. */
  readonly maxMessageBytes: number;
  /** Each stderr line, cut to {@link MAX_STDERR_LINE_CHARACTERS}. */
  readonly onStderrLine?: (line: string) => void;
  /** How long a stopping server gets after stdin closes, and again after SIGTERM, before the next signal. */
  readonly stopGraceMs?: number;
  /** CPU niceness (1–19) for the server and what it starts once it is running (see lowerPriority), so a busy server yields to the host; 0 leaves it. */
  readonly niceness?: number;
  /** Start the server in this sandbox (its environment and working directory are the sandbox's). */
  readonly sandbox?: SandboxedCommand;
}

/** How a server process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The server wrote something on stdout that is not protocol: a malformed line or an oversized message. */
export class ServerOutputError extends Error {
  override readonly name = 'ServerOutputError';
  /** The transport stopped the server because of it (the stream cannot be resynchronised). */
  readonly isFatal: boolean;

  constructor(message: string, options: { cause: unknown; isFatal: boolean }) {
    super(message, { cause: options.cause });
    this.isFatal = options.isFatal;
  }
}

/** Longer stderr lines are cut: a server must not fill the host's logs with one line. */
export const MAX_STDERR_LINE_CHARACTERS = 2_000;
const DEFAULT_STOP_GRACE_MS = 2_000;

/**
 * The stdio transport of an MCP server plugin. The SDK's `StdioClientTransport` does the same framing
 * (this one uses the SDK's own `ReadBuffer` and `serializeMessage`, so no protocol code is ours); it
 * exists because the host needs what that class does not offer: stopping the server also stops the
 * processes it started (`npx` → node → …; a process group of its own, or its sandbox), a bound on an unread
 * message, stderr as lines for the plugin's logger, and how the process ended, for the crash report.
 */
export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #options: ChildProcessTransportOptions;
  readonly #readBuffer: ReadBuffer;
  #process: ChildProcessWithoutNullStreams | undefined;
  #exit: ProcessExit | undefined;
  /** The server process ended (its children may still hold the pipes). */
  #exited: Promise<unknown> | undefined;
  /** The pipes closed too. */
  #closed: Promise<unknown> | undefined;
  #isClosing = false;

  constructor(options: ChildProcessTransportOptions) {
    this.#options = options;
    this.#readBuffer = new ReadBuffer({ maxBufferSize: options.maxMessageBytes });
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** How the process ended; undefined while it runs. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  start(): Promise<void> {
    if (this.#process !== undefined) throw new Error('ChildProcessTransport already started');
    return new Promise((resolve, reject) => {
      const sandbox = this.#options.sandbox;
      // Unsandboxed: its own session and process group, so dispose can signal the whole tree (see #signal).
      // Sandboxed: bwrap in the host's session (see Sandbox.spawn); signalling bwrap ends the whole sandbox.
      const child = (
        sandbox === undefined
          ? spawn(this.#options.command, [...this.#options.args], {
              cwd: this.#options.cwd,
              env: { ...this.#options.env },
              stdio: ['pipe', 'pipe', 'pipe'],
              detached: true,
              shell: false,
              windowsHide: true,
            })
          : sandbox.sandbox.spawn(sandbox.command, this.#options.args, { stdio: ['pipe', 'pipe', 'pipe'], niceness: this.#options.niceness ?? 0 })
      ) as ChildProcessWithoutNullStreams;
      this.#process = child;
      this.#exited = once(child, 'exit').catch(() => undefined);
      this.#closed = once(child, 'close').catch(() => undefined);
      child.once('error', (error) => {
        if (child.pid === undefined) reject(error);
        else this.onerror?.(error);
      });
      child.once('spawn', () => {
        // An idle server must not keep the host process alive; calls in flight hold their own timers.
        child.unref();
        for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as { unref?: () => void }).unref?.();
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
      });
      child.once('close', (code, signal) => {
        this.#exit ??= { code, signal };
        this.#readBuffer.clear();
        this.onclose?.();
      });
      child.stdin.on('error', (error) => {
        if (!this.#isClosing) this.onerror?.(error);
      });
      child.stdout.on('data', (chunk: Buffer) => this.#onStdout(chunk));
      child.stderr.setEncoding('utf8');
      let partial = '';
      child.stderr.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = (lines.pop() ?? '').slice(-MAX_STDERR_LINE_CHARACTERS);
        for (const line of lines) if (line.trim() !== '') this.#options.onStderrLine?.(line.slice(0, MAX_STDERR_LINE_CHARACTERS));
      });
      child.stderr.on('end', () => {
        if (partial.trim() !== '') this.#options.onStderrLine?.(partial);
        partial = '';
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#process?.stdin;
    if (stdin === undefined || !stdin.writable || this.#exit !== undefined) return Promise.reject(new Error('the MCP server process is not running'));
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Closes stdin (a well-behaved server exits), then SIGTERM, then SIGKILL to the whole process group or sandbox. */
  async close(): Promise<void> {
    const child = this.#process;
    // Never started, or failed to spawn: there is nothing to stop.
    if (child?.pid === undefined) return;
    const graceMs = this.#options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    if (this.#isClosing) {
      await within(this.#closed, graceMs);
      return;
    }
    this.#isClosing = true;
    if (this.#exit === undefined) {
      child.ref();
      child.stdin.end();
      if (!(await within(this.#exited, graceMs))) {
        this.#signal('SIGTERM');
        if (!(await within(this.#exited, graceMs))) this.#signal('SIGKILL');
      }
    }
    // Children the server left behind share its group or its sandbox (and may hold its pipes open); they go too.
    this.#signal('SIGKILL');
    if (!(await within(this.#closed, graceMs))) {
      // Something outside the group (it called setsid) still holds the pipes: let go of them.
      for (const stream of [child.stdin, child.stdout, child.stderr]) stream.destroy();
    }
  }

  /**
   * Gives the server (and what it starts) the configured niceness. The client calls it once the server
   * answered initialize and tools/list: a server starting on a busy machine must not be starved into
   * missing its start-up deadline, while a running one yields to the host's request path.
   */
  lowerPriority(): void {
    // A sandboxed server was started niced (Sandbox.spawn, per process); an unsandboxed one has its own
    // session, reniced with everything it started.
    if (this.#options.sandbox === undefined) lowerProcessPriority(this.#process?.pid, this.#options.niceness ?? 0, 'session');
  }

  /** Stops the server at once (a stream that cannot be resynchronised); its exit then closes the transport. */
  kill(): void {
    this.#signal('SIGKILL');
  }

  #onStdout(chunk: Buffer): void {
    try {
      this.#readBuffer.append(chunk);
    } catch (error) {
      this.onerror?.(new ServerOutputError(`the server sent a message larger than ${this.#options.maxMessageBytes} bytes`, { cause: error, isFatal: true }));
      this.kill();
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.#readBuffer.readMessage();
      } catch (error) {
        // One malformed line: reported, and the next line is read (the SDK's behaviour too).
        this.onerror?.(new ServerOutputError(`the server wrote a line that is not a JSON-RPC message: ${describeParseError(error)}`, { cause: error, isFatal: false }));
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  /** Unsandboxed: the server's process group. Sandboxed: bwrap, whose PID namespace dies with it. */
  #signal(signal: NodeJS.Signals): void {
    const pid = this.#process?.pid;
    if (pid === undefined) return;
    // Once bwrap has exited its PID 1 is gone or going (--die-with-parent), and the namespace with it; its pid may be reused.
    if (this.#options.sandbox !== undefined && this.#exit !== undefined) return;
    try {
      process.kill(this.#options.sandbox === undefined ? -pid : pid, signal);
    } catch {
      // the group is gone already
    }
  }
}

/** Whether `event` settles within `ms`. */
async function within(event: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (event === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const isSettled = await Promise.race([event.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)))]);
  clearTimeout(timer);
  return isSettled;
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // zod's messages are multi-line JSON; the first line says enough.
  return message.split('\n')[0]?.slice(0, 200) ?? 'unreadable';
}
