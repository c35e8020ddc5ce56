/**
 * Runs async tasks one at a time per key (in call order) and concurrently across keys.
 * Stores use it to queue appends to one conversation inside a process, so concurrent turns wait
 * for each other instead of racing to the same version and retrying.
 */
export class KeyedSerializer {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Keys with queued or running work (for tests and leak checks). */
  get activeKeys(): number {
    return this.#tails.size;
  }
}
