/** Work for one chat; a rejection is reported to `onError` and the chat's queue goes on. */
export type ChatWork = () => Promise<void>;

/**
 * Per-chat queues: messages within one chat are answered in order, different chats concurrently. Tracks
 * everything accepted, so shutdown can wait until every answer is sent.
 */
export class ChatQueues {
  readonly #onError: (error: unknown, chatId: string) => void;
  readonly #tails = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(onError: (error: unknown, chatId: string) => void) {
    this.#onError = onError;
  }

  enqueue(chatId: string, work: ChatWork): void {
    const previous = this.#tails.get(chatId) ?? Promise.resolve();
    const next = previous.then(work).catch((error: unknown) => this.#onError(error, chatId));
    this.#tails.set(chatId, next);
    this.#inFlight.add(next);
    void next.finally(() => {
      this.#inFlight.delete(next);
      if (this.#tails.get(chatId) === next) this.#tails.delete(chatId);
    });
  }

  /** Resolves when every accepted piece of work has finished, including work queued meanwhile. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
