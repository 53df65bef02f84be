import { expect } from 'chai';
import { quantileFromBuckets } from '../../src/collector/bucket-quantile';

describe('collector/bucket-quantile quantileFromBuckets', () => {
  const bounds = [10, 20, 30];

  it('interpolates linearly inside the bucket holding the rank', () => {
    const h = { bucketCounts: [0, 10, 0, 0], explicitBounds: bounds };
    expect(quantileFromBuckets(0.5, h)).to.equal(15);
    expect(quantileFromBuckets(0.9, h)).to.equal(19);
    expect(quantileFromBuckets(1, h)).to.equal(20);
  });

  it('walks across buckets by cumulative count', () => {
    const h = { bucketCounts: [5, 5, 10, 0], explicitBounds: bounds };
    expect(quantileFromBuckets(0.25, h)).to.equal(10); // the 5th of 20 is the top of the first bucket
    expect(quantileFromBuckets(0.5, h)).to.equal(20);
    expect(quantileFromBuckets(0.75, h)).to.equal(25);
  });

  it('starts the first bucket at 0 without a min, and tightens both edges with min and max', () => {
    expect(
      quantileFromBuckets(0.5, { bucketCounts: [4, 0, 0, 0], explicitBounds: bounds }),
    ).to.equal(5);
    const h = { bucketCounts: [0, 10, 0, 0], explicitBounds: bounds, min: 12, max: 18 };
    expect(quantileFromBuckets(0, h)).to.equal(12);
    expect(quantileFromBuckets(0.5, h)).to.equal(15);
    expect(quantileFromBuckets(1, h)).to.equal(18);
  });

  it('uses max for the overflow bucket, or its lower bound when max is unknown', () => {
    expect(
      quantileFromBuckets(0.5, { bucketCounts: [0, 0, 0, 4], explicitBounds: bounds, max: 50 }),
    ).to.equal(40);
    expect(
      quantileFromBuckets(0.5, { bucketCounts: [0, 0, 0, 4], explicitBounds: bounds }),
    ).to.equal(30);
  });

  it('handles a histogram without bounds (one bucket) through min and max', () => {
    expect(
      quantileFromBuckets(0.5, { bucketCounts: [2], explicitBounds: [], min: 2, max: 4 }),
    ).to.equal(3);
  });

  it('is undefined for an empty histogram, and clamps q into [0, 1]', () => {
    expect(
      quantileFromBuckets(0.5, { bucketCounts: [0, 0, 0, 0], explicitBounds: bounds }),
    ).to.equal(undefined);
    expect(quantileFromBuckets(0.5, { bucketCounts: [], explicitBounds: [] })).to.equal(undefined);
    const h = { bucketCounts: [0, 10, 0, 0], explicitBounds: bounds };
    expect(quantileFromBuckets(2, h)).to.equal(20);
    expect(quantileFromBuckets(-1, h)).to.equal(10);
  });
});
