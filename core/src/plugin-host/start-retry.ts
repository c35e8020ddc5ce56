import { HostError, type HostErrorCode } from '../errors/index.js';
import type { RestartBackoff } from './restart-delay.js';

/**
 * How often the loader tries to start a plugin whose start ran out of time: a worker plugin's import or
 * setup, an MCP server's initialize. On a busy machine one slow attempt must not fail a plugin for good;
 * a plugin that fails for any other reason (it throws while imported, its config is wrong) is not retried.
 */
export interface StartRetryPolicy {
  /** Attempts in all, the first included; 1 turns retries off. */
  readonly maxAttempts: number;
  /** The wait after attempt n is initialMs·2ⁿ⁻¹, at most maxMs. */
  readonly backoff: RestartBackoff;
}

/** The host's default: four attempts, 1 s, 2 s, 4 s apart. */
export const DEFAULT_START_RETRY: StartRetryPolicy = Object.freeze({ maxAttempts: 4, backoff: Object.freeze({ initialMs: 1_000, maxMs: 30_000 }) });

/** No retries (the loader's default: tests and the CLI want one answer at once). */
export const NO_START_RETRY: StartRetryPolicy = Object.freeze({ maxAttempts: 1, backoff: Object.freeze({ initialMs: 0, maxMs: 0 }) });

/** The failures that say "too slow", not "broken": the plugin may well start on another attempt. */
const SLOW_START_CODES: ReadonlySet<HostErrorCode> = new Set<HostErrorCode>(['HOST_PLUGIN_IMPORT_TIMEOUT', 'HOST_PLUGIN_SETUP_TIMEOUT', 'HOST_PLUGIN_MCP_INITIALIZE_TIMEOUT']);

/** True when a start failed only because it ran out of time. */
export function isSlowStart(error: unknown): boolean {
  return HostError.isInstance(error) && SLOW_START_CODES.has(error.code);
}

/** The wait before the next attempt, after `attemptsMade` attempts (1 after the first). */
export function startRetryDelay(attemptsMade: number, backoff: RestartBackoff): number {
  return Math.min(backoff.initialMs * 2 ** Math.max(0, attemptsMade - 1), backoff.maxMs);
}

/** Resolves true after `ms`, or false as soon as `signal` fires. */
export function waitUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
