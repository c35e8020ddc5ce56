import { trackCache } from './cache-directory.js';

// Why bytes: a cache bounded by its number of entries holds as much memory as its largest values
// allow, and whatever it holds lives in the old generation, where every full GC walks it. Each
// in-process cache of the host is bounded by an estimate of the bytes it keeps, evicts the least
// recently used entries first, and reports its size and evictions as metrics (cache-directory.ts).

/** Bytes a JavaScript string costs at most (V8 stores strings in one or two bytes per code unit). */
export function stringBytes(text: string): number {
  return text.length * 2;
}

/** What a Map entry, its key slot and a small wrapper object cost besides the key and value themselves. */
export const ENTRY_OVERHEAD_BYTES = 96;

/** Bounds and accounting of a {@link ByteBoundedLru}. */
export interface ByteBoundedLruOptions<Value> {
  /** The cache's name in metrics (`acai_cache_bytes{cache="…"}`). */
  readonly name: string;
  readonly maxBytes: number;
  /** Optional bound on entries as well. */
  readonly maxEntries?: number;
  /** Estimated bytes of a value (the key and the entry overhead are added). */
  readonly valueBytes: (value: Value) => number;
}

interface Slot<Value> {
  readonly value: Value;
  readonly bytes: number;
}

/** A least-recently-used map bounded by estimated bytes (and optionally entries). */
export class ByteBoundedLru<Value> {
  readonly name: string;
  readonly maxBytes: number;
  readonly #maxEntries: number;
  readonly #valueBytes: (value: Value) => number;
  readonly #slots = new Map<string, Slot<Value>>();
  // Eviction walks the map in insertion order. A fresh `keys()` iterator starts at the table's first
  // slot and steps over every entry deleted since the last rehash: with the deletes of LRU bumps and
  // evictions, that made each eviction of a full cache scan thousands of holes (bench:capacity, the
  // token-count replays at 8,000 conversations). One live iterator resumes where the last eviction
  // left off; Map iterators stay valid across inserts, deletes and rehashes.
  #oldest: IterableIterator<string> | undefined;
  #bytes = 0;
  #evictions = 0;

  constructor(options: ByteBoundedLruOptions<Value>) {
    this.name = options.name;
    this.maxBytes = Math.max(0, options.maxBytes);
    this.#maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
    this.#valueBytes = options.valueBytes;
    trackCache(this);
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  get entries(): number {
    return this.#slots.size;
  }

  /** Entries dropped to make room since the cache was created. */
  get evictions(): number {
    return this.#evictions;
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: string): Value | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#slots.delete(key);
    this.#slots.set(key, slot);
    return slot.value;
  }

  /** The value without changing its recency. */
  peek(key: string): Value | undefined {
    return this.#slots.get(key)?.value;
  }

  /** Stores the value as the most recently used, evicting the least recently used until it fits; a value larger than the whole cache is not kept. */
  set(key: string, value: Value): void {
    this.delete(key);
    const bytes = stringBytes(key) + this.#valueBytes(value) + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return;
    while (this.#slots.size > 0 && (this.#bytes + bytes > this.maxBytes || this.#slots.size >= this.#maxEntries)) {
      this.delete(this.#nextOldest());
      this.#evictions += 1;
    }
    this.#slots.set(key, { value, bytes });
    this.#bytes += bytes;
  }

  /** The least recently used key (the map is not empty). */
  #nextOldest(): string {
    let next = this.#oldest?.next();
    if (next === undefined || next.done === true) {
      // Finished iterators stay finished; a new one starts from the (live) front.
      this.#oldest = this.#slots.keys();
      next = this.#oldest.next();
    }
    return next.value as string;
  }

  delete(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    this.#bytes -= slot.bytes;
    return true;
  }

  clear(): void {
    this.#slots.clear();
    this.#oldest = undefined;
    this.#bytes = 0;
  }
}
