// Running the `acai` command in tests: in-process through runCli (with captured streams and a
// scripted stdin), or as the real built binary in a child process (async, never spawnSync: the
// servers it talks to run in the test process).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../core/src/cli/cli-io.js';
import { runCli } from '../../core/src/cli/run-cli.js';
import { killOnExit } from '../support/child-processes.js';
import { scaledMs } from '../support/timing.js';

export const ACAI_BIN = fileURLToPath(new URL('../../core/bin/acai.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What one run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link runAcai}. */
export interface RunAcaiOptions {
  /** The whole environment the command sees (nothing leaks in from the test process). */
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /** Lines typed into stdin (ended with EOF), or a stream the test writes to. */
  readonly stdin?: readonly string[] | Readable;
  /** Pretend stdout (and stdin) is a terminal. */
  readonly isTTY?: boolean;
  readonly shutdownSignal?: AbortSignal;
  /** Sees each stdout write as it happens (to prove output arrives before the command ends). */
  readonly onStdout?: (text: string) => void;
}

/** Runs `acai <argv>` in this process. */
export async function runAcai(argv: readonly string[], options: RunAcaiOptions = {}): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const stdin = options.stdin instanceof Readable ? options.stdin : Readable.from((options.stdin ?? []).map((line) => `${line}\n`));
  const io: CliIo = {
    stdout: {
      isTTY: options.isTTY === true,
      write: (text: string) => {
        stdout.push(text);
        options.onStdout?.(text);
      },
    },
    stderr: { isTTY: options.isTTY === true, write: (text: string) => stderr.push(text) },
    stdin: Object.assign(stdin, { isTTY: options.isTTY === true }),
    env: options.env ?? {},
    cwd: options.cwd ?? REPO_ROOT,
    ...(options.shutdownSignal ? { shutdownSignal: options.shutdownSignal } : {}),
  };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/** A stdin the test types into line by line while the command runs. */
export function typedStdin(): { stream: PassThrough; type(line: string): void; end(): void } {
  const stream = new PassThrough();
  return { stream, type: (line) => stream.write(`${line}\n`), end: () => stream.end() };
}

/** A PATH with node and npm (they sit next to each other) plus the usual system folders. */
export function childPath(): string {
  return [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
}

/** Runs the built `acai` binary (core/bin/acai.js → core/dist) in a child process. */
export function runAcaiBinary(argv: readonly string[], options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [ACAI_BIN, ...argv],
      { cwd: options.cwd ?? REPO_ROOT, env: { PATH: childPath(), ...options.env }, timeout: options.timeoutMs ?? scaledMs(120_000), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    killOnExit(child);
  });
}

/** A temporary folder, removed by the returned cleanup. */
export async function temporaryFolder(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** True when the text contains ANSI escape sequences (colours, cursor moves). */
export function hasAnsi(text: string): boolean {
  return text.includes('\u001b[');
}

/** A loopback URL where nothing listens (a port that was free a moment ago). */
export async function unusedUrl(): Promise<string> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** The text without ANSI escape sequences (tools like vitest colour their output even on pipes). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
