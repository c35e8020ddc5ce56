import { createInterface } from 'node:readline';
import type { CliIo } from './cli-io.js';

/**
 * Asks a yes/no question on the terminal and reads one line: only "y" or "yes" (any case) is yes;
 * anything else, and stdin ending, is no. Callers decide what to do when stdin is not a terminal.
 */
export async function confirmOnTerminal(io: CliIo, question: string): Promise<boolean> {
  io.stdout.write(question);
  const lines = createInterface({ input: io.stdin, terminal: false, crlfDelay: Infinity });
  try {
    for await (const line of lines) return /^\s*y(es)?\s*$/i.test(line);
    return false;
  } finally {
    lines.close();
  }
}
