/** An explicit-bucket histogram as OTLP carries it. */
export interface BucketHistogram {
  /** Count per bucket: `explicitBounds.length + 1` entries, the last one is the overflow bucket. */
  readonly bucketCounts: readonly number[];
  /** Upper bounds; bucket `i` holds values in `(explicitBounds[i-1], explicitBounds[i]]`. */
  readonly explicitBounds: readonly number[];
  /** Smallest recorded value, when known: tightens the first non-empty bucket. */
  readonly min?: number;
  /** Largest recorded value, when known: bounds the overflow bucket. */
  readonly max?: number;
}

/**
 * Estimates the `q`-quantile (0..1) of a histogram from its buckets, by linear
 * interpolation inside the bucket that holds the rank `q * count` (the method
 * Prometheus' `histogram_quantile` uses). Bucket edges are tightened by `min`
 * and `max` when the histogram has them; without `max`, a quantile that falls in
 * the overflow bucket is its lower bound (nothing better is known), and without
 * `min` the first bucket is taken to start at 0 (or at its bound, if negative).
 *
 * @returns the estimate, or `undefined` for an empty histogram.
 *
 * @example
 * ```ts
 * quantileFromBuckets(0.5, { bucketCounts: [0, 10, 0], explicitBounds: [10, 20] }); // 15
 * ```
 */
export function quantileFromBuckets(q: number, histogram: BucketHistogram): number | undefined {
  const { bucketCounts, explicitBounds, min, max } = histogram;
  const total = bucketCounts.reduce((a, b) => a + b, 0);
  if (total <= 0 || Number.isNaN(q)) return undefined;
  const rank = Math.min(Math.max(q, 0), 1) * total;

  let seen = 0;
  for (let i = 0; i < bucketCounts.length; i++) {
    const inBucket = bucketCounts[i] ?? 0;
    if (inBucket <= 0) continue;
    if (seen + inBucket >= rank) {
      const prevBound = explicitBounds[i - 1];
      const bound = explicitBounds[i];
      let lower = prevBound ?? Math.min(0, bound ?? 0);
      let upper = bound ?? max ?? lower;
      if (min !== undefined) lower = Math.max(lower, min);
      if (max !== undefined) upper = Math.min(upper, max);
      if (upper < lower) upper = lower;
      const estimate = lower + (upper - lower) * ((rank - seen) / inBucket);
      return clamp(estimate, min, max);
    }
    seen += inBucket;
  }
  // Only reachable through floating-point rounding of `rank`: answer the top.
  return max ?? explicitBounds[explicitBounds.length - 1];
}

function clamp(value: number, min: number | undefined, max: number | undefined): number {
  if (min !== undefined && value < min) return min;
  if (max !== undefined && value > max) return max;
  return value;
}
