import { ValueType } from '@opentelemetry/api';
import { expect } from 'chai';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { CollectorError } from '../../src/collector/collector-error';
import { OtlpReceiver } from '../../src/collector/otlp-receiver';
import { metricsTo } from './otel-pipeline';

describe('OtlpReceiver: metrics from the real OTLP/gRPC exporter', () => {
  let receiver: OtlpReceiver;
  let provider: MeterProvider | undefined;

  beforeEach(async () => {
    receiver = await OtlpReceiver.start();
  });

  afterEach(async () => {
    await provider?.shutdown();
    provider = undefined;
    await receiver.stop();
  });

  it('receives counter values and histogram count/sum/min/max/buckets exactly', async () => {
    provider = metricsTo(receiver, { serviceName: 'metrics-spec' });
    const meter = provider.getMeter('flowgen', '0.1.0');
    const count = meter.createCounter('task.handle.count', { unit: '{invocation}' });
    const duration = meter.createHistogram('task.handle.duration', {
      unit: 's',
      description: 'handler duration',
      advice: { explicitBucketBoundaries: [0.01, 0.1, 1] },
    });
    const attrs = { task: 'echo', task_id: 0, task_type: 'echo' };
    count.add(1, attrs);
    count.add(2, attrs);
    count.add(4, { ...attrs, task_id: 1 });
    for (const v of [0.005, 0.05, 0.07, 0.5, 3]) duration.record(v, attrs);
    await provider.forceFlush();

    const counts = receiver.metricPoints('task.handle.count');
    expect(counts).to.have.length(2);
    const first = counts.find((p) => p.attributes.task_id === 0)!;
    expect(first).to.include({
      name: 'task.handle.count',
      unit: '{invocation}',
      type: 'sum',
      monotonic: true,
      temporality: 'cumulative',
      value: 3,
      valueType: 'double',
    });
    expect(first.attributes).to.deep.equal(attrs);
    expect(first.attributeTypes).to.deep.equal({
      task: 'string',
      task_id: 'int',
      task_type: 'string',
    });
    expect(first.resource['service.name']).to.equal('metrics-spec');
    expect(first.scope).to.deep.equal({ name: 'flowgen', version: '0.1.0' });
    expect(counts.find((p) => p.attributes.task_id === 1)?.value).to.equal(4);

    const [histogram] = receiver.metricPoints('task.handle.duration');
    expect(histogram).to.include({
      type: 'histogram',
      unit: 's',
      description: 'handler duration',
      temporality: 'cumulative',
      count: 5,
      min: 0.005,
      max: 3,
    });
    expect(histogram!.sum).to.be.closeTo(3.625, 1e-12);
    expect(histogram!.explicitBounds).to.deep.equal([0.01, 0.1, 1]);
    expect(histogram!.bucketCounts).to.deep.equal([1, 2, 1, 1]);
    expect(typeof histogram!.timeUnixNano).to.equal('bigint');
  });

  it('keeps integer counters as ints and gauges as gauges', async () => {
    provider = metricsTo(receiver);
    const meter = provider.getMeter('m');
    meter.createCounter('events', { valueType: ValueType.INT }).add(5);
    meter.createObservableGauge('queue.depth').addCallback((r) => r.observe(12.5, { q: 'in' }));
    meter.createUpDownCounter('inflight').add(-2);
    await provider.forceFlush();

    expect(receiver.metricPoints('events')[0]).to.include({ value: 5, valueType: 'int' });
    expect(receiver.metricPoints('queue.depth')[0]).to.include({ type: 'gauge', value: 12.5 });
    expect(receiver.metricPoints('queue.depth')[0]!.temporality).to.equal(undefined);
    expect(receiver.metricPoints('inflight')[0]).to.include({
      type: 'sum',
      monotonic: false,
      value: -2,
    });
  });

  it('records one entry per data point per export, in arrival order, and waitForMetric sees periodic exports', async () => {
    provider = metricsTo(receiver, { intervalMs: 100 });
    const counter = provider.getMeter('m').createCounter('ticks');
    counter.add(1);
    await receiver.waitForMetric('ticks', undefined, 3000);
    counter.add(2);
    const point = await receiver.waitForMetric('ticks', (p) => p.value === 3, 3000);
    expect(point.value).to.equal(3);

    const values = receiver.metricPoints('ticks').map((p) => p.value);
    expect(values.length).to.be.at.least(2);
    expect(values[0]).to.equal(1);
    expect(values[values.length - 1]).to.equal(3);
    const calls = receiver.exportCalls().filter((c) => c.service === 'metrics');
    expect(calls.length).to.be.at.least(2);
    expect(calls[0]!.points).to.equal(1);
  });

  it('rejects waitForMetric on timeout with a message listing the metrics that did arrive', async () => {
    provider = metricsTo(receiver);
    provider.getMeter('m').createCounter('present').add(2, { k: 'v' });
    await provider.forceFlush();

    const error = await receiver.waitForMetric('absent', undefined, 50).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CollectorError);
    expect((error as CollectorError).code).to.equal('FLOWGEN_COLLECTOR_TIMEOUT');
    expect((error as CollectorError).message)
      .to.contain('metric "absent"')
      .and.contain('present (sum) {k=v} value=2');
  });
});
