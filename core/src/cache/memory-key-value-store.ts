import { ByteBoundedLru, stringBytes } from './byte-bounded-lru.js';
import type { KeyValueStore } from './key-value-store.js';

interface Entry {
  readonly value: string;
  expiresAt: number | undefined;
}

/** Bounds of a {@link MemoryKeyValueStore}. */
export interface MemoryKeyValueStoreOptions {
  now?: () => number;
  /** Bound on entries (default 100,000). */
  maxEntries?: number;
  /** Bound on the estimated bytes of keys and values (default 32 MiB); the least recently used go first. */
  maxBytes?: number;
}

/** In-process KeyValueStore with the same TTL semantics as Redis (for single-process set-ups and tests). */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  readonly #entries: ByteBoundedLru<Entry>;
  readonly #now: () => number;

  constructor(options: MemoryKeyValueStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#entries = new ByteBoundedLru<Entry>({
      name: 'key_value_memory',
      maxBytes: options.maxBytes ?? 32 * 1024 * 1024,
      maxEntries: options.maxEntries ?? 100_000,
      valueBytes: (entry) => stringBytes(entry.value) + 16,
    });
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    const expiresAt = ttlSeconds !== undefined && ttlSeconds > 0 ? this.#now() + ttlSeconds * 1000 : undefined;
    this.#entries.set(key, { value, expiresAt });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async expire(key: string, ttlSeconds: number): Promise<boolean> {
    const entry = this.#live(key);
    if (!entry) return false;
    entry.expiresAt = this.#now() + ttlSeconds * 1000;
    return true;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#entries.clear();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
