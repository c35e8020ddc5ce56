import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { histogramQuantile, mergeBuckets, observationCount, subtractBuckets, type HistogramBucket } from './histogram-quantile.js';
import { parsePrometheusText, samplesNamed } from './prometheus-text.js';

const INF = Number.POSITIVE_INFINITY;
const buckets = (...pairs: Array<[number, number]>): HistogramBucket[] => pairs.map(([upperBound, count]) => ({ upperBound, count }));

describe('histogramQuantile', () => {
  it('interpolates linearly inside the bucket that holds the rank', () => {
    // 100 observations: 50 in (0.001, 0.005], 45 in (0.01, 0.05], 5 in (0.1, 0.5].
    const histogram = buckets([0.001, 0], [0.005, 50], [0.01, 50], [0.05, 95], [0.1, 95], [0.5, 100], [INF, 100]);
    expect(histogramQuantile(0.5, histogram)).toBeCloseTo(0.005);
    expect(histogramQuantile(0.25, histogram)).toBeCloseTo(0.003);
    expect(histogramQuantile(0.95, histogram)).toBeCloseTo(0.05);
    expect(histogramQuantile(0.99, histogram)).toBeCloseTo(0.1 + 0.4 * (4 / 5));
    expect(histogramQuantile(1, histogram)).toBeCloseTo(0.5);
    expect(histogramQuantile(0, histogram)).toBe(0.001);
  });

  it('starts the lowest bucket at zero and answers the highest finite bound for ranks in +Inf', () => {
    expect(histogramQuantile(0.5, buckets([1, 10], [INF, 10]))).toBeCloseTo(0.5);
    expect(histogramQuantile(0.9, buckets([1, 1], [2, 2], [INF, 10]))).toBe(2);
  });

  it('agrees with observations recorded by prom-client and scraped as text', async () => {
    const registry = new Registry();
    const histogram = new Histogram({ name: 'latency_seconds', help: 'x', buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry] });
    for (let index = 0; index < 90; index += 1) histogram.observe(0.003);
    for (let index = 0; index < 10; index += 1) histogram.observe(0.2);
    const parsed = samplesNamed(parsePrometheusText(await registry.metrics()), 'latency_seconds_bucket').map((sample) => ({
      upperBound: sample.labels.le === '+Inf' ? INF : Number(sample.labels.le),
      count: sample.value,
    }));
    const p50 = histogramQuantile(0.5, parsed)!;
    const p95 = histogramQuantile(0.95, parsed)!;
    // The estimate lands inside the bucket that holds the true value.
    expect(p50).toBeGreaterThan(0.001);
    expect(p50).toBeLessThanOrEqual(0.005);
    expect(p95).toBeGreaterThan(0.1);
    expect(p95).toBeLessThanOrEqual(0.25);
  });

  it('accepts buckets in any order and repairs counts that dip (a scrape racing an observation)', () => {
    expect(histogramQuantile(0.5, buckets([INF, 4], [2, 4], [1, 2]))).toBeCloseTo(1);
    expect(histogramQuantile(0.9, buckets([1, 3], [2, 1], [3, 4], [INF, 4]))).toBeCloseTo(2.6);
  });

  it('answers undefined for an empty histogram, a missing +Inf bucket or a quantile outside 0–1', () => {
    expect(histogramQuantile(0.5, buckets([1, 0], [INF, 0]))).toBeUndefined();
    expect(histogramQuantile(0.5, buckets([1, 3], [2, 4]))).toBeUndefined();
    expect(histogramQuantile(0.5, [])).toBeUndefined();
    for (const quantile of [-0.1, 1.5, Number.NaN]) expect(histogramQuantile(quantile, buckets([1, 1], [INF, 1]))).toBeUndefined();
  });
});

describe('subtractBuckets', () => {
  it('gives the observations made between two scrapes', () => {
    const before = buckets([0.1, 5], [1, 8], [INF, 8]);
    const after = buckets([0.1, 6], [1, 12], [INF, 13]);
    expect(subtractBuckets(after, before)).toEqual(buckets([0.1, 1], [1, 4], [INF, 5]));
    expect(histogramQuantile(0.5, subtractBuckets(after, before))).toBeCloseTo(0.1 + 0.9 * (1.5 / 3));
  });

  it('treats a count that went down as a restart and takes the current counts whole', () => {
    expect(subtractBuckets(buckets([1, 2], [INF, 2]), buckets([1, 5], [INF, 9]))).toEqual(buckets([1, 2], [INF, 2]));
    expect(subtractBuckets(buckets([1, 2], [INF, 2]), undefined)).toEqual(buckets([1, 2], [INF, 2]));
  });
});

describe('mergeBuckets and observationCount', () => {
  it('adds histograms bound by bound and counts their observations', () => {
    const merged = mergeBuckets([buckets([1, 1], [INF, 2]), buckets([1, 3], [INF, 3]), []]);
    expect(merged).toEqual(buckets([1, 4], [INF, 5]));
    expect(observationCount(merged)).toBe(5);
    expect(observationCount([])).toBe(0);
  });
});
