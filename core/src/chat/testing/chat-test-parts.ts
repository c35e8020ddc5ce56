// The real in-memory parts the chat tests run against: an embedded (SQLite) store in a temporary
// folder, a caller with a deadline, and a session directory for tests that must not use sessions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { EmbeddedConversationStore } from '../../storage/index.js';
import type { CallerContext } from '../caller-context.js';
import type { SessionDirectory } from '../session-directory.js';

/**
 * A session directory for suites that must not touch sessions (they are exercised with the real
 * SessionResolver elsewhere): every call fails loudly.
 */
export const noSessions: SessionDirectory = {
  resolve: () => Promise.reject(new Error('sessions are not part of this suite')),
  resolveOrCreate: () => Promise.reject(new Error('sessions are not part of this suite')),
  bind: () => Promise.reject(new Error('sessions are not part of this suite')),
};

/** A real embedded (SQLite) store in a fresh temporary folder. */
export async function createTemporaryStore(): Promise<{ store: EmbeddedConversationStore; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'acai-chat-'));
  const store = new EmbeddedConversationStore({ dataDir, logger: pino({ level: 'silent' }) });
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Gives every test of the calling file a fresh temporary store (handed to `use` before the test), removed after it. */
export function useTemporaryStore(use: (store: EmbeddedConversationStore) => void): void {
  let cleanup: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const temporary = await createTemporaryStore();
    cleanup = temporary.cleanup;
    use(temporary.store);
  });
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
}

/** A caller in `tenantId` with a deadline `deadlineMs` from now. */
export function callerFor(tenantId = 'default', deadlineMs = 15_000, signal: AbortSignal = new AbortController().signal): CallerContext {
  return { tenantId, signal, deadline: Date.now() + deadlineMs, logger: pino({ level: 'silent' }) };
}

/** A log line as pino wrote it. */
export interface LoggedLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A caller whose log lines are kept, for tests of what a step reports. */
export function recordingCaller(tenantId = 'default', deadlineMs = 15_000): { caller: CallerContext; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LoggedLine) });
  return { caller: { tenantId, signal: new AbortController().signal, deadline: Date.now() + deadlineMs, logger }, lines };
}
