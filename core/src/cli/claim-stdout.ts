import { Writable } from 'node:stream';
import type { CliIo } from './cli-io.js';

/** Stdout reserved for one protocol stream. */
export interface ClaimedStdout {
  /** Where the protocol writes (with backpressure). */
  readonly output: Writable;
  /** Gives process.stdout back. */
  release(): void;
}

/**
 * Reserves stdout for a protocol stream (`acai mcp`): anything else written to process.stdout — a
 * console.log in an inline plugin or a library — goes to stderr instead, so stray text can never
 * corrupt the JSON-RPC stream (a worker plugin's output comes to the host as its log lines). An `io.stdout`
 * that is not the process's (tests) is used as it is.
 */
export function claimStdout(io: CliIo): ClaimedStdout {
  if (io.stdout !== process.stdout) {
    const stdout = io.stdout;
    const output = stdout instanceof Writable ? stdout : new Writable({ write: (chunk: Buffer, _encoding, done) => done(void stdout.write(chunk.toString('utf8'))) });
    return { output, release: () => {} };
  }
  const stream = process.stdout;
  const original = Object.getOwnPropertyDescriptor(stream, 'write');
  const protocolWrite = stream.write.bind(stream);
  const strayWrite = process.stderr.write.bind(process.stderr);
  stream.write = strayWrite as typeof stream.write;
  const output = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      protocolWrite(chunk, (error) => done(error ?? undefined));
    },
  });
  return {
    output,
    release: () => {
      if (stream.write !== strayWrite) return;
      if (original === undefined) delete (stream as { write?: unknown }).write;
      else Object.defineProperty(stream, 'write', original);
    },
  };
}
