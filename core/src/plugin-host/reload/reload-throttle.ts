/** How {@link ReloadThrottle} spaces reloads. */
export interface ReloadThrottleOptions {
  /** Requests within this long of the first are answered by one reload. */
  readonly debounceMs: number;
  /** At least this long between the starts of two reloads, however many requests arrive. */
  readonly minIntervalMs: number;
}

/** Defaults for reloads asked for by MCP servers (tools/list_changed). */
export const DEFAULT_TOOLS_CHANGED_RELOAD: ReloadThrottleOptions = { debounceMs: 1_000, minIntervalMs: 10_000 };

/**
 * Turns a stream of reload requests into few reloads: the first request waits `debounceMs` (more
 * requests meanwhile join it), and two reloads start at least `minIntervalMs` apart, so a server
 * that announces changes in a loop costs one reload per interval, not a reload storm.
 */
export class ReloadThrottle {
  readonly #run: () => Promise<unknown>;
  readonly #options: ReloadThrottleOptions;
  #timer: NodeJS.Timeout | undefined;
  #lastStartedAt = Number.NEGATIVE_INFINITY;
  #isDisposed = false;

  constructor(run: () => Promise<unknown>, options: ReloadThrottleOptions) {
    this.#run = run;
    this.#options = options;
  }

  /** Asks for a reload; `coalesced` when one is already scheduled and will cover this request. */
  request(): 'scheduled' | 'coalesced' {
    if (this.#isDisposed || this.#timer !== undefined) return 'coalesced';
    const delay = Math.max(this.#options.debounceMs, this.#lastStartedAt + this.#options.minIntervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#lastStartedAt = Date.now();
      void this.#run().catch(() => {});
    }, delay);
    this.#timer.unref();
    return 'scheduled';
  }

  dispose(): void {
    this.#isDisposed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
