/** Latency histograms: mergeable counters whose percentile estimates stay in the true value's bucket. */
import fc from 'fast-check';
import { addCounters, flattenCounters } from '../src/aggregation/counters';
import { LATENCY_BOUNDS_MS, bucketIndex, bucketRange, histogramCounters, summarizeHistogram } from '../src/aggregation/histogram';

// New inputs on every local run, a fixed seed in CI (a failure prints its seed: FC_SEED=<seed> replays it).
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI ? 20261124 : undefined;
if (SEED !== undefined) fc.configureGlobal({ seed: SEED });

function histogramOf(samples: number[]): Record<string, number> {
  let doc = {};
  for (const ms of samples) doc = addCounters(doc, histogramCounters('h', ms));
  return flattenCounters((doc as { h: unknown }).h);
}

describe('latency histograms', () => {
  it('puts a duration in the first bucket whose bound holds it, overflow last', () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(50)).toBe(0);
    expect(bucketIndex(51)).toBe(1);
    expect(bucketIndex(3_600_001)).toBe(LATENCY_BOUNDS_MS.length);
    expect(bucketRange(LATENCY_BOUNDS_MS.length)).toEqual([3_600_000, Infinity]);
  });

  it('estimates p50/p95/p99 inside the bucket of the true sample quantile, and sums of parts equal the whole', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4_000_000 }), { minLength: 1, maxLength: 300 }), fc.nat(), (samples, cut) => {
        const sorted = [...samples].sort((a, b) => a - b);
        const summary = summarizeHistogram(histogramOf(samples));
        for (const [q, estimate] of [[0.5, summary.p50Ms], [0.95, summary.p95Ms], [0.99, summary.p99Ms]] as const) {
          const truth = sorted[Math.ceil(q * sorted.length) - 1]!;
          expect(bucketIndex(estimate!)).toBe(bucketIndex(truth));
        }
        expect(summary.count).toBe(samples.length);
        // Mergeable: two shards' histograms added are the histogram of all samples.
        const k = cut % (samples.length + 1);
        const merged = flattenCounters(addCounters(addCounters({}, histogramOf(samples.slice(0, k))), histogramOf(samples.slice(k))));
        expect(merged).toEqual(histogramOf(samples));
      }),
    );
  });

  it('says nothing for an empty histogram', () => {
    expect(summarizeHistogram(undefined)).toEqual({ count: 0, meanMs: null, p50Ms: null, p95Ms: null, p99Ms: null });
  });
});
