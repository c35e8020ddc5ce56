import { circuitBreaker, CircuitState, ConsecutiveBreaker, handleWhenResult, type CircuitBreakerPolicy } from 'cockatiel';
import type { PluginPolicy } from '../config/plugins-config.js';
import type { BreakerState } from './tool-metrics.js';

/** What one attempt of a tool call produced; `countsAgainstBreaker` is the breaker's classification. */
export interface AttemptResult {
  readonly countsAgainstBreaker: boolean;
}

/**
 * An attempt that says nothing about the plugin's health — its caller stopped it — thrown (rejected)
 * instead of returned, so the breaker counts it neither as a failure nor as a success: a success would
 * reset the run of consecutive failures, and callers hanging up must not hide a failing plugin either.
 */
export class InconclusiveAttempt<T extends AttemptResult> extends Error {
  readonly attempt: T;
  constructor(attempt: T) {
    super('the caller stopped the attempt');
    this.attempt = attempt;
  }
}

/** The attempt of an inconclusive rejection; undefined (refused) for BrokenCircuitError. */
function refusedOrInconclusive<T extends AttemptResult>(error: unknown): T | undefined {
  return error instanceof InconclusiveAttempt ? (error.attempt as T) : undefined;
}

/**
 * The per-plugin policy state: a cockatiel consecutive-failure breaker (with its one-probe half-open
 * state) and a bulkhead with a bounded queue. The timeout lives in the call path (one timer per call)
 * because cockatiel's timeout policy costs more than the rest of the call path together.
 */
export class PluginCallPolicy {
  readonly policy: PluginPolicy;
  #breaker: CircuitBreakerPolicy;
  #isProbeDue = false;
  #probeTimer: NodeJS.Timeout | undefined;
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #onStateChange: (state: BreakerState) => void;

  constructor(policy: PluginPolicy, onStateChange: (state: BreakerState) => void) {
    this.policy = policy;
    this.#onStateChange = onStateChange;
    this.#breaker = this.#createBreaker();
  }

  /** The state tools are listed by: an open breaker whose delay has passed reports half-open (the next call probes). */
  get breakerState(): BreakerState {
    switch (this.#breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return this.#isProbeDue ? 'half-open' : 'open';
    }
  }

  /**
   * Runs `attempt` through the breaker; resolves undefined when the breaker refuses the call. An attempt
   * that rejects with {@link InconclusiveAttempt} resolves to its attempt without moving a closed
   * breaker's count (cockatiel passes errors its policy does not handle through untouched). A half-open
   * breaker whose probe was stopped closes, as for any unhandled error: the plugin is trusted again and
   * reopens after `failureThreshold` further failures if it still fails.
   */
  throughBreaker<T extends AttemptResult>(attempt: () => Promise<T>): Promise<T | undefined> | undefined {
    if (this.#breaker.state === CircuitState.Open && !this.#isProbeDue) return undefined;
    // Rejects with BrokenCircuitError (still open, or a concurrent probe failed while this call waited) or InconclusiveAttempt.
    return (this.#breaker.execute(attempt) as Promise<T>).catch(refusedOrInconclusive<T>);
  }

  /** Takes a bulkhead slot, waiting in the queue when all are busy; false when the queue is full too. */
  acquire(): boolean | Promise<boolean> {
    if (this.#active < this.policy.maxConcurrent) {
      this.#active += 1;
      return true;
    }
    if (this.#waiting.length >= this.policy.maxQueue) return false;
    return new Promise<boolean>((resolve) => {
      this.#waiting.push(() => resolve(true));
    });
  }

  /** Frees a slot, handing it straight to the oldest waiting call. */
  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#active -= 1;
  }

  /** Closes the breaker (operator action). */
  reset(): void {
    this.#clearProbeTimer();
    this.#isProbeDue = false;
    this.#breaker = this.#createBreaker();
    this.#onStateChange('closed');
  }

  dispose(): void {
    this.#clearProbeTimer();
  }

  #createBreaker(): CircuitBreakerPolicy {
    const breaker = circuitBreaker(
      handleWhenResult((result) => (result as AttemptResult).countsAgainstBreaker),
      { halfOpenAfter: this.policy.breaker.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.policy.breaker.failureThreshold) },
    );
    breaker.onStateChange((state) => {
      if (breaker !== this.#breaker) return;
      this.#clearProbeTimer();
      this.#isProbeDue = false;
      if (state === CircuitState.Open) {
        // cockatiel only moves to half-open when a call arrives; since an open plugin's tools are hidden
        // from the model, re-list them when the delay has passed so the next call can be the probe.
        this.#probeTimer = setTimeout(() => {
          this.#isProbeDue = true;
          this.#onStateChange(this.breakerState);
        }, this.policy.breaker.halfOpenAfterMs);
        this.#probeTimer.unref();
      }
      this.#onStateChange(this.breakerState);
    });
    return breaker;
  }

  #clearProbeTimer(): void {
    if (this.#probeTimer !== undefined) clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }
}
