/** Collects items and hands them over in one batch at the end of the event-loop turn (setImmediate). */
export class Batcher<T> {
  readonly #send: (items: readonly T[]) => void;
  #items: T[] = [];
  #scheduled: NodeJS.Immediate | undefined;

  constructor(send: (items: readonly T[]) => void) {
    this.#send = send;
  }

  add(item: T): void {
    this.#items.push(item);
    this.#scheduled ??= setImmediate(() => this.flush());
  }

  /** Hands over what was collected now. */
  flush(): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.#send(items);
  }
}
