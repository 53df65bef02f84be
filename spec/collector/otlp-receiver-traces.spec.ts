import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { expect } from 'chai';
import { CollectorError } from '../../src/collector/collector-error';
import { OtlpReceiver } from '../../src/collector/otlp-receiver';
import { tracingTo } from './otel-pipeline';

describe('OtlpReceiver: traces from the real OTLP/gRPC exporter', () => {
  let receiver: OtlpReceiver;
  let provider: ReturnType<typeof tracingTo>['provider'];

  beforeEach(async () => {
    receiver = await OtlpReceiver.start();
    provider = tracingTo(receiver, { serviceName: 'flowgen-spec' }).provider;
  });

  afterEach(async () => {
    await provider.shutdown();
    await receiver.stop();
  });

  it('listens on a free loopback port and reports its endpoint', () => {
    expect(receiver.port).to.be.greaterThan(0);
    expect(receiver.endpoint).to.equal(`http://127.0.0.1:${receiver.port}`);
  });

  it('decodes names, parent/child ids, typed attributes, status, exception events, resource and scope', async () => {
    const tracer = provider.getTracer('flowgen', '0.1.0');
    const run = tracer.startSpan('task.run', {
      attributes: { task: 'echo', task_id: 0, task_type: 'echo' },
    });
    const handle = tracer.startSpan(
      'task.handle',
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          task: 'echo',
          task_id: 7,
          task_type: 'echo',
          ratio: 0.25,
          ok: false,
          tags: ['a', 'b'],
        },
      },
      trace.setSpan(context.active(), run),
    );
    handle.recordException(new TypeError('boom'));
    handle.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    handle.end();
    run.setStatus({ code: SpanStatusCode.OK });
    run.end();
    await provider.forceFlush();

    const spans = await receiver.waitForSpans(2, 3000);
    const runSpan = spans.find((s) => s.name === 'task.run')!;
    const handleSpan = spans.find((s) => s.name === 'task.handle')!;

    expect(runSpan.parentSpanId).to.equal(undefined);
    expect(runSpan.traceId).to.equal(run.spanContext().traceId);
    expect(runSpan.spanId).to.equal(run.spanContext().spanId);
    expect(handleSpan.traceId).to.equal(runSpan.traceId);
    expect(handleSpan.parentSpanId).to.equal(runSpan.spanId);
    expect(handleSpan.kind).to.equal(5); // SPAN_KIND_CONSUMER on the wire

    expect(handleSpan.attributes).to.deep.equal({
      task: 'echo',
      task_id: 7,
      task_type: 'echo',
      ratio: 0.25,
      ok: false,
      tags: ['a', 'b'],
    });
    expect(handleSpan.attributeTypes).to.deep.equal({
      task: 'string',
      task_id: 'int',
      task_type: 'string',
      ratio: 'double',
      ok: 'bool',
      tags: 'array',
    });
    expect(runSpan.attributes.task_id).to.equal(0);
    expect(runSpan.attributeTypes.task_id).to.equal('int');

    expect(runSpan.status).to.deep.equal({ code: 1 });
    expect(handleSpan.status).to.deep.equal({ code: 2, message: 'boom' });
    expect(handleSpan.events).to.have.length(1);
    const [exception] = handleSpan.events;
    expect(exception!.name).to.equal('exception');
    expect(exception!.attributes['exception.type']).to.equal('TypeError');
    expect(exception!.attributes['exception.message']).to.equal('boom');
    expect(exception!.attributes['exception.stacktrace']).to.be.a('string').that.contains('boom');
    expect(typeof exception!.timeUnixNano).to.equal('bigint');

    expect(handleSpan.resource['service.name']).to.equal('flowgen-spec');
    expect(handleSpan.scope).to.deep.equal({ name: 'flowgen', version: '0.1.0' });
    expect(typeof handleSpan.startTimeUnixNano).to.equal('bigint');
    expect(handleSpan.endTimeUnixNano >= handleSpan.startTimeUnixNano).to.equal(true);
    expect(handleSpan.durationMs).to.be.a('number').that.is.at.least(0);
  });

  it('receives a batch of spans in one Export call', async () => {
    const tracer = provider.getTracer('batching');
    for (let i = 0; i < 5; i++) tracer.startSpan(`span-${i}`).end();
    await provider.forceFlush();

    await receiver.waitForSpans(5, 3000);
    const calls = receiver.exportCalls();
    expect(calls).to.have.length(1);
    expect(calls[0]).to.include({ service: 'traces', spans: 5, compressed: false });
    expect(receiver.spans().map((s) => s.name)).to.have.members([
      'span-0',
      'span-1',
      'span-2',
      'span-3',
      'span-4',
    ]);
  });

  it('waitForSpans accepts a predicate over everything received', async () => {
    const waiting = receiver.waitForSpans((spans) => spans.some((s) => s.name === 'late'), 3000);
    provider.getTracer('t').startSpan('late').end();
    await provider.forceFlush();
    const spans = await waiting;
    expect(spans.map((s) => s.name)).to.deep.equal(['late']);
  });

  it('rejects waitForSpans on timeout with a message listing what did arrive', async () => {
    provider.getTracer('t').startSpan('only-one').end();
    await provider.forceFlush();
    await receiver.waitForSpans(1, 3000);

    const error = await receiver.waitForSpans(3, 50).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CollectorError);
    expect((error as CollectorError).code).to.equal('FLOWGEN_COLLECTOR_TIMEOUT');
    expect((error as CollectorError).message)
      .to.contain('at least 3 span(s)')
      .and.contain('received 1 span(s)')
      .and.contain('only-one');
  });

  it('reset() forgets spans, calls and raw requests', async () => {
    provider.getTracer('t').startSpan('before-reset').end();
    await provider.forceFlush();
    await receiver.waitForSpans(1, 3000);
    receiver.reset();
    expect(receiver.spans()).to.deep.equal([]);
    expect(receiver.exportCalls()).to.deep.equal([]);
    expect(receiver.rawRequests()).to.deep.equal([]);
  });

  it('a metrics listener alone is never called for a trace request (even one kept undecoded)', async () => {
    const calls: number[] = [];
    const metricsOnly = await OtlpReceiver.start({
      onMetrics: (points) => calls.push(points.length),
    });
    const own = tracingTo(metricsOnly, { serviceName: 'flowgen-spec' }).provider;
    try {
      own.getTracer('flowgen').startSpan('task.handle').end();
      await own.forceFlush();
      await metricsOnly.waitForSpans(1, 3000);
      expect(metricsOnly.stats().received.requests).to.be.at.least(1);
      expect(calls).to.deep.equal([]);
    } finally {
      await own.shutdown();
      await metricsOnly.stop();
    }
  });
});
