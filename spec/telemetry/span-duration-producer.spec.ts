import type { Histogram, HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { SpanDurationProducer } from '../../src/telemetry/span-duration-producer';

const BOUNDS = [0.1, 1, 10];

async function points(producer: SpanDurationProducer): Promise<HistogramMetricData[]> {
  const { resourceMetrics } = await producer.collect();
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics) as HistogramMetricData[];
}

describe('SpanDurationProducer', () => {
  it('puts each value in the bucket whose upper bound (inclusive) first holds it', async () => {
    const producer = new SpanDurationProducer();
    const cell = producer.cell('task.handle.duration', { task: 'a' }, BOUNDS);
    for (const v of [0.05, 0.1, 0.5, 1, 5, 50]) cell.record(v);
    const [metric] = await points(producer);
    expect(metric?.descriptor).to.include({ name: 'task.handle.duration', unit: 's' });
    expect(metric?.dataPointType).to.equal(DataPointType.HISTOGRAM);
    const value = metric?.dataPoints[0]?.value as Histogram;
    expect(value.buckets).to.deep.equal({ boundaries: BOUNDS, counts: [2, 2, 1, 1] });
    expect(value).to.include({ count: 6, min: 0.05, max: 50 });
    expect(value.sum).to.be.closeTo(56.65, 1e-9);
    expect(metric?.dataPoints[0]?.attributes).to.deep.equal({ task: 'a' });
  });

  it('cumulative: every collect reports totals since the start', async () => {
    const producer = new SpanDurationProducer(AggregationTemporality.CUMULATIVE);
    const cell = producer.cell('x.duration', {}, BOUNDS);
    cell.record(0.5);
    await points(producer);
    cell.record(2);
    const [metric] = await points(producer);
    expect(metric?.aggregationTemporality).to.equal(AggregationTemporality.CUMULATIVE);
    expect(metric?.dataPoints[0]?.value).to.include({ count: 2, sum: 2.5, min: 0.5, max: 2 });
  });

  it('delta: every collect reports what came since the last one, with that interval min and max', async () => {
    const producer = new SpanDurationProducer(AggregationTemporality.DELTA);
    const cell = producer.cell('x.duration', {}, BOUNDS);
    cell.record(5);
    cell.record(0.2);
    const [first] = await points(producer);
    expect(first?.dataPoints[0]?.value).to.include({ count: 2, min: 0.2, max: 5 });
    cell.record(0.7);
    const [second] = await points(producer);
    const value = second?.dataPoints[0]?.value as Histogram;
    expect(value).to.include({ count: 1, min: 0.7, max: 0.7 });
    expect(value.sum).to.be.closeTo(0.7, 1e-12);
    expect(value.buckets.counts).to.deep.equal([0, 1, 0, 0]);
    expect(await points(producer)).to.deep.equal([]); // nothing new: no point at all
  });

  it('keeps series apart by name and attributes', async () => {
    const producer = new SpanDurationProducer();
    producer.cell('a.duration', { task: 'x' }, BOUNDS).record(1);
    producer.cell('a.duration', { task: 'y' }, BOUNDS).record(2);
    producer.cell('b.duration', {}, BOUNDS).record(3);
    const metrics = await points(producer);
    expect(metrics.map((m) => [m.descriptor.name, m.dataPoints.length])).to.deep.equal([
      ['a.duration', 2],
      ['b.duration', 1],
    ]);
  });
});
