import { setTimeout as sleep } from 'node:timers/promises';
import { startIdleTimeoutScope } from '../deadlines/index.js';
import { HostError } from '../errors/index.js';
import { classifyModelFailure } from './classify-model-failure.js';
import type { ModelCallOptions } from './model-types.js';
import { backoffDelayMs, serverRequestedDelayMs, type RetryPolicy } from './retry-policy.js';

/** How one model call retries. */
export interface ModelCallRetrySettings {
  readonly policy: RetryPolicy;
  /**
   * How long an attempt may wait without progress: for the answer, or (an attempt that reports
   * progress, i.e. a stream) for its next chunk. The call's deadline bounds the whole attempt.
   */
  readonly attemptTimeoutMs: number;
  /** The caller's signal and deadline. */
  readonly call: ModelCallOptions;
  /** Randomness for backoff jitter. */
  readonly random: () => number;
  /** True once reply text reached the caller: another attempt would send the start of the reply twice. */
  readonly hasHandedOutText: () => boolean;
}

/**
 * The attempts of one model call: each bounded by the attempt timeout and the call's deadline and signal,
 * retried with backoff while the failure is transient, attempts remain and the deadline leaves room, and
 * never once text was handed out. Every way out is a HostError (cancelled, deadline, unavailable,
 * rejected); `attempts` says how many were started.
 */
export class ModelCallRetries {
  readonly #settings: ModelCallRetrySettings;
  #attempts = 0;

  constructor(settings: ModelCallRetrySettings) {
    this.#settings = settings;
  }

  /** Attempts started so far (1 = no retry). */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * Runs `attempt` until it succeeds or the call must give up. An attempt calls `progress` whenever it
   * receives something (a streamed chunk), which restarts its timeout: a long reply that keeps coming
   * is bounded by the deadline, not by the attempt timeout.
   */
  async run<T>(attempt: (signal: AbortSignal, progress: () => void) => Promise<T>): Promise<T> {
    const { policy, attemptTimeoutMs, call, random } = this.#settings;
    for (;;) {
      ensureTimeLeft(call, policy.minAttemptMs);
      this.#attempts += 1;
      const attemptScope = startIdleTimeoutScope(call.signal, attemptTimeoutMs, call.deadline);
      let failure: unknown;
      try {
        return await attempt(attemptScope.signal, attemptScope.progress);
      } catch (error) {
        failure = error;
      } finally {
        attemptScope.dispose();
      }
      throwIfCallerStopped(call, failure);
      if (this.#settings.hasHandedOutText()) {
        // A second attempt would send the client the start of the reply again.
        throw new HostError('HOST_MODEL_UNAVAILABLE', 'the model endpoint broke off its reply mid-stream; retry the turn', {
          cause: failure,
        });
      }
      const decision = classifyModelFailure(failure);
      if (decision.kind === 'fatal') throw decision.error;
      if (this.#attempts >= policy.maxAttempts) {
        throw new HostError('HOST_MODEL_UNAVAILABLE', 'the model endpoint is temporarily unavailable; retry later', {
          cause: failure,
        });
      }
      const requested = serverRequestedDelayMs(decision.headers);
      if (requested !== undefined && requested > policy.maxRetryAfterMs) {
        throw new HostError('HOST_MODEL_UNAVAILABLE', 'the model endpoint is rate limited; retry later', {
          cause: failure,
        });
      }
      const delay = backoffDelayMs(this.#attempts - 1, policy, random, requested);
      if (Date.now() + delay + policy.minAttemptMs > call.deadline) {
        throw deadlineExceeded(failure);
      }
      if (delay > 0) {
        try {
          await sleep(delay, undefined, { signal: call.signal });
        } catch (error) {
          throwIfCallerStopped(call, error);
          throw error;
        }
      }
    }
  }
}

function ensureTimeLeft(call: ModelCallOptions, minAttemptMs: number): void {
  throwIfCallerStopped(call, undefined);
  if (call.deadline - Date.now() < minAttemptMs) throw deadlineExceeded(undefined);
}

/** A stopped caller wins over the attempt's own failure: the deadline passing, or the caller going away. */
function throwIfCallerStopped(call: ModelCallOptions, cause: unknown): void {
  if (call.signal.aborted) {
    const reason: unknown = call.signal.reason;
    const isTimeout = reason instanceof DOMException && reason.name === 'TimeoutError';
    if (isTimeout || Date.now() >= call.deadline) throw deadlineExceeded(cause ?? reason);
    throw new HostError('HOST_CANCELED', 'the request was canceled', { cause: cause ?? reason });
  }
  if (Date.now() >= call.deadline) throw deadlineExceeded(cause);
}

function deadlineExceeded(cause: unknown): HostError {
  return new HostError('HOST_DEADLINE_EXCEEDED', 'the request deadline was exceeded while waiting for the model', {
    cause,
  });
}
