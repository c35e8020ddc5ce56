/** How many update ids are remembered; Telegram redelivers within minutes, not thousands of updates later. */
export const REMEMBERED_UPDATE_IDS = 1000;

/**
 * The ids of the updates handled last. Telegram redelivers an update when an answer is slow or lost; the
 * bot handles each id once.
 */
export class RecentUpdateIds {
  readonly #capacity: number;
  readonly #order: number[] = [];
  readonly #seen = new Set<number>();

  constructor(capacity: number = REMEMBERED_UPDATE_IDS) {
    this.#capacity = capacity;
  }

  /** True the first time an id is seen (and remembers it); false for a redelivery. */
  isFirstDelivery(updateId: number): boolean {
    if (this.#seen.has(updateId)) return false;
    this.#seen.add(updateId);
    this.#order.push(updateId);
    if (this.#order.length > this.#capacity) this.#seen.delete(this.#order.shift()!);
    return true;
  }
}
