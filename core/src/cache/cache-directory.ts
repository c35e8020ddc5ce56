// Every in-process cache registers here so one metrics collector can report them all without the
// caches knowing about metrics. Weak references: a cache that is no longer used (a closed app in a
// test, a replaced plugin set) disappears from the report instead of being kept alive by it.

/** What a cache reports. */
export interface CacheStatistics {
  readonly name: string;
  readonly bytes: number;
  readonly maxBytes: number;
  readonly entries: number;
  readonly evictions: number;
}

const tracked = new Set<WeakRef<CacheStatistics>>();

/** Adds a cache to the report (done by the cache itself when it is created). */
export function trackCache(cache: CacheStatistics): void {
  tracked.add(new WeakRef(cache));
}

/** The live caches' figures, summed per name (several instances may share one). */
export function cacheStatistics(): CacheStatistics[] {
  const byName = new Map<string, { bytes: number; maxBytes: number; entries: number; evictions: number }>();
  for (const reference of tracked) {
    const cache = reference.deref();
    if (cache === undefined) {
      tracked.delete(reference);
      continue;
    }
    const total = byName.get(cache.name) ?? { bytes: 0, maxBytes: 0, entries: 0, evictions: 0 };
    total.bytes += cache.bytes;
    total.maxBytes += cache.maxBytes;
    total.entries += cache.entries;
    total.evictions += cache.evictions;
    byName.set(cache.name, total);
  }
  return [...byName.entries()].map(([name, total]) => ({ name, ...total }));
}
