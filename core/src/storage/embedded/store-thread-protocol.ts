import { HostError, type HostErrorCode } from '../../errors/index.js';
import type { ConversationStore } from '../conversation-store.js';
import { storeUnavailable } from '../store-unavailable.js';

// The messages between the host's event loop (threaded-conversation-store.ts) and the thread that owns
// the SQLite connection (store-thread.ts). Values cross by structured clone, which keeps Dates, so a
// call's arguments and result are the store's own types; only errors need a shape of their own.

/** The store methods the thread serves: every data operation of ConversationStore (init and close are the lifecycle). */
export const THREAD_METHODS = [
  'create',
  'get',
  'append',
  'setTitle',
  'setSummary',
  'list',
  'search',
  'remove',
  'replaceLastMessage',
  'listUntouched',
  'findLatestForSession',
  'findByToolProvenance',
  'ping',
] as const satisfies ReadonlyArray<keyof ConversationStore>;

export type ThreadMethod = (typeof THREAD_METHODS)[number];

/** What the thread starts with (workerData). */
export interface StoreThreadOptions {
  readonly dataDir: string;
  readonly fileName?: string;
  readonly backgroundCheckpoints: boolean;
  /** The host logger's level: the thread logs through it (its lines come back as `log` messages). */
  readonly logLevel: string;
}

/** One store call. `at` is the host's clock when the call was made: the store's "now" for that call. */
export interface ThreadCall {
  readonly id: number;
  readonly method: ThreadMethod;
  readonly args: readonly unknown[];
  readonly at: number;
}

/** One call's outcome. */
export type ThreadAnswer = { readonly id: number; readonly value: unknown } | { readonly id: number; readonly error: ThreadError };

// Calls travel in batches, and so do answers: each side collects what one event-loop turn produced
// and posts it once (setImmediate). A message wakes the other thread, and a thread woken for every call
// commits every write alone; a batch shares one wake-up and one commit (group-commit.ts).

/** Host → thread. */
export type ToThread = { readonly type: 'calls'; readonly calls: readonly ThreadCall[] } | { readonly type: 'close' };

/** A HostError as plain data. `cause` is the underlying failure's message, for the host's log only. */
export interface ThreadError {
  readonly code: HostErrorCode;
  readonly message: string;
  readonly meta: Record<string, string>;
  readonly cause?: string;
}

/** Thread → host. */
export type FromThread =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly error: ThreadError }
  | { readonly type: 'answers'; readonly answers: readonly ThreadAnswer[] }
  | { readonly type: 'log'; readonly line: string };

/** A store failure as plain data: a HostError keeps its code, message and meta; anything else becomes `operation`'s HOST_STORE_UNAVAILABLE. */
export function toThreadError(operation: string, error: unknown): ThreadError {
  const hostError = storeUnavailable(operation, error);
  const cause = hostError.cause instanceof Error ? hostError.cause.message : hostError.cause === undefined ? undefined : String(hostError.cause);
  return { code: hostError.code, message: hostError.message, meta: { ...hostError.meta }, ...(cause === undefined ? {} : { cause }) };
}

/** The HostError a {@link ThreadError} describes, on the host's side. */
export function fromThreadError(error: ThreadError): HostError {
  return new HostError(error.code, error.message, { meta: error.meta, ...(error.cause === undefined ? {} : { cause: new Error(error.cause) }) });
}
