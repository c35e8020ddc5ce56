import type { CacheSetOptions, ToolCache } from '../context.js';

/** In-memory {@link ToolCache} with TTLs on an injectable clock; values are stored as JSON like the Redis cache. */
export class MemoryToolCache implements ToolCache {
  readonly #entries = new Map<string, { json: string; expiresAt: number }>();
  readonly #nowMs: () => number;

  constructor(options: { nowMs?: () => number } = {}) {
    this.#nowMs = options.nowMs ?? Date.now;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#nowMs()) {
      this.#entries.delete(key);
      return undefined;
    }
    return JSON.parse(entry.json) as T;
  }

  async set(key: string, value: unknown, options: CacheSetOptions): Promise<void> {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`Cache value for "${key}" is not JSON-serialisable`);
    const ttlMs = options.ttlSeconds > 0 ? options.ttlSeconds * 1000 : Number.POSITIVE_INFINITY;
    this.#entries.set(key, { json, expiresAt: this.#nowMs() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  /** Live keys (for assertions). */
  keys(): string[] {
    const now = this.#nowMs();
    return [...this.#entries].filter(([, entry]) => entry.expiresAt > now).map(([key]) => key);
  }

  /** Number of live entries. */
  get size(): number {
    return this.keys().length;
  }

  /** Removes everything. */
  clear(): void {
    this.#entries.clear();
  }
}
