/**
 * Latency distributions that can be added up: a fixed set of bucket bounds (ms), the same everywhere, so a
 * histogram is just counters (`b0`…`bN` plus `count` and `sumMs`) that shards, hours and days sum into larger
 * ones without losing the percentiles. p50/p95/p99 are read off the cumulative counts and interpolated inside
 * the bucket they fall in, so an estimate is never outside the bucket holding the true value.
 */
import type { HistogramSummary } from '@d2v/schema';

export type { HistogramSummary };

/** Upper bounds in ms (inclusive) from 50 ms to an hour; one more bucket holds everything slower. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  50, 100, 250, 500, 1_000, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 90_000,
  120_000, 180_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
];

/** The bucket a duration falls in: the first bound ≥ ms, or the overflow bucket. */
export function bucketIndex(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]!) return i;
  return LATENCY_BOUNDS_MS.length;
}

/** [lower, upper] of a bucket in ms (the overflow bucket's upper is Infinity). */
export function bucketRange(i: number): [number, number] {
  return [i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!, LATENCY_BOUNDS_MS[i] ?? Infinity];
}

/** The counters one observation adds under `prefix` (`latency.dreaming`). */
export function histogramCounters(prefix: string, ms: number): Record<string, number> {
  const rounded = Math.max(0, Math.round(ms));
  return { [`${prefix}.count`]: 1, [`${prefix}.sumMs`]: rounded, [`${prefix}.b${bucketIndex(rounded)}`]: 1 };
}


/** A histogram as stored (`{count, sumMs, b0: 3, b7: 1, …}`) → count, mean and percentile estimates. */
export function summarizeHistogram(h: Readonly<Record<string, unknown>> | undefined): HistogramSummary {
  const count = typeof h?.count === 'number' ? h.count : 0;
  if (!h || count <= 0) return { count: 0, meanMs: null, p50Ms: null, p95Ms: null, p99Ms: null };
  const buckets = Array.from({ length: LATENCY_BOUNDS_MS.length + 1 }, (_, i) => (typeof h[`b${i}`] === 'number' ? (h[`b${i}`] as number) : 0));
  const sum = typeof h.sumMs === 'number' ? h.sumMs : 0;
  return { count, meanMs: Math.round(sum / count), p50Ms: quantile(buckets, count, 0.5), p95Ms: quantile(buckets, count, 0.95), p99Ms: quantile(buckets, count, 0.99) };
}

/** The q-quantile: the bucket where the cumulative count reaches q·count, interpolated linearly inside it. */
export function quantile(buckets: readonly number[], count: number, q: number): number | null {
  if (count <= 0) return null;
  const rank = q * count;
  let below = 0;
  for (let i = 0; i < buckets.length; i++) {
    const inBucket = buckets[i]!;
    if (inBucket > 0 && below + inBucket >= rank) {
      // Buckets are (lower, upper] (the first is [0, upper]): keep the estimate inside the one it came from.
      const [lower, upper] = bucketRange(i);
      const least = i === 0 ? 0 : lower + 1;
      if (!Number.isFinite(upper)) return least; // "more than the last bound"
      return Math.min(upper, Math.max(least, Math.round(lower + ((upper - lower) * (rank - below)) / inBucket)));
    }
    below += inBucket;
  }
  return bucketRange(buckets.length - 1)[0];
}
