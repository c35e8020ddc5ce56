// A few events may wait for the reader; beyond that the writer waits, as it would for a slow socket.
const MAX_QUEUED_EVENTS = 16;

/**
 * The in-process stand-in for a server stream's connection: the writer's `push` resolves once the
 * reader can take more (a full queue holds the turn back), and the work's failure — or the call's
 * abort, even if the work ignores it — ends the reader's iteration with that error.
 */
export class InProcessEventChannel<Event> implements AsyncIterable<Event> {
  readonly #signal: AbortSignal;
  readonly #queue: Event[] = [];
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;
  #outcome: { readonly failed: boolean; readonly error?: unknown } | undefined;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    if (signal.aborted) this.#settle({ failed: true, error: signal.reason });
    else signal.addEventListener('abort', () => this.#settle({ failed: true, error: signal.reason }), { once: true });
  }

  /** True once the work finished or the call was aborted. */
  get isDone(): boolean {
    return this.#outcome !== undefined;
  }

  /** Ends the iteration when `work` settles: after the queued events on success, with its error on failure. */
  follow(work: Promise<void>): void {
    work.then(
      () => this.#settle({ failed: false }),
      (error: unknown) => this.#settle({ failed: true, error }),
    );
  }

  async push(event: Event): Promise<void> {
    if (this.#signal.aborted) throw this.#signal.reason;
    this.#queue.push(event);
    this.#wakeReader?.();
    if (this.#queue.length >= MAX_QUEUED_EVENTS) await new Promise<void>((resolve) => (this.#wakeWriter = resolve));
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Event> {
    for (;;) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        this.#wakeWriter?.();
        this.#wakeWriter = undefined;
        yield next;
        continue;
      }
      if (this.#outcome?.failed) throw this.#outcome.error;
      if (this.#outcome) return;
      await new Promise<void>((resolve) => (this.#wakeReader = resolve));
      this.#wakeReader = undefined;
    }
  }

  #settle(outcome: { failed: boolean; error?: unknown }): void {
    this.#outcome ??= outcome;
    this.#wakeReader?.();
    this.#wakeWriter?.();
  }
}
