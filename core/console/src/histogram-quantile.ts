/** One cumulative histogram bucket: how many observations were ≤ `upperBound`. */
export interface HistogramBucket {
  readonly upperBound: number;
  readonly count: number;
}

/**
 * Estimates the `quantile` (0–1) of a histogram from its cumulative buckets, the way Prometheus'
 * `histogram_quantile` does: find the bucket holding the rank, then interpolate linearly inside it
 * (the lowest bucket starts at 0). A rank in the `+Inf` bucket answers the highest finite bound.
 * Counts that decrease along the bounds (a scrape racing observations) are made monotonic first.
 * Returns undefined for an empty histogram, one without a `+Inf` bucket, or a quantile outside 0–1.
 */
export function histogramQuantile(quantile: number, buckets: readonly HistogramBucket[]): number | undefined {
  if (!(quantile >= 0 && quantile <= 1)) return undefined;
  const sorted = [...buckets].sort((left, right) => left.upperBound - right.upperBound);
  if (sorted.length < 2 || sorted.at(-1)!.upperBound !== Number.POSITIVE_INFINITY) return undefined;
  let highest = 0;
  const counts = sorted.map((bucket) => (highest = Math.max(highest, bucket.count)));
  const total = counts.at(-1)!;
  if (total <= 0) return undefined;
  const rank = quantile * total;
  const index = counts.findIndex((count) => count >= rank);
  if (index === sorted.length - 1) return sorted[sorted.length - 2]!.upperBound;
  const upper = sorted[index]!.upperBound;
  const lower = index === 0 ? Math.min(0, upper) : sorted[index - 1]!.upperBound;
  const countBelow = index === 0 ? 0 : counts[index - 1]!;
  const inBucket = counts[index]! - countBelow;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - countBelow) / inBucket);
}

/**
 * The observations made between two scrapes of the same histogram (bucket by bucket). When any count
 * went down, the process restarted in between, so everything counted now is new.
 */
export function subtractBuckets(current: readonly HistogramBucket[], previous: readonly HistogramBucket[] | undefined): HistogramBucket[] {
  if (previous === undefined) return [...current];
  const before = new Map(previous.map((bucket) => [bucket.upperBound, bucket.count]));
  const isReset = current.some((bucket) => bucket.count < (before.get(bucket.upperBound) ?? 0));
  return current.map((bucket) => ({ upperBound: bucket.upperBound, count: isReset ? bucket.count : bucket.count - (before.get(bucket.upperBound) ?? 0) }));
}

/** Adds histograms with the same bucket bounds (e.g. every tool's latency into one). */
export function mergeBuckets(histograms: readonly (readonly HistogramBucket[])[]): HistogramBucket[] {
  const sums = new Map<number, number>();
  for (const buckets of histograms) for (const bucket of buckets) sums.set(bucket.upperBound, (sums.get(bucket.upperBound) ?? 0) + bucket.count);
  return [...sums.entries()].map(([upperBound, count]) => ({ upperBound, count })).sort((left, right) => left.upperBound - right.upperBound);
}

/** The number of observations in a cumulative histogram (its `+Inf` bucket). */
export function observationCount(buckets: readonly HistogramBucket[]): number {
  return buckets.find((bucket) => bucket.upperBound === Number.POSITIVE_INFINITY)?.count ?? 0;
}
