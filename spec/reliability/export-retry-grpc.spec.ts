import { status as grpcStatus } from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { expect } from 'chai';
import { OtlpReceiver } from '../../src/collector';
import type { TelemetryRig } from './support/export-harness';
import {
  prepareExportThread,
  runFlowOn,
  startTelemetry,
  telemetryWorker,
} from './support/export-harness';

const FLOW = `
flow:
  name: export-blip
  tasks:
    - generate: { name: src, interval: 5ms, count: 20 }
    - log: { name: out, level: debug }
`;

/*
 * Real gRPC from the unmodified OTel exporter to the local receiver, whose
 * fault injection plays the collector blip. The receiver counts failed calls
 * of both services; metrics are only exported at shutdown here (interval 1h),
 * after the span batches that meet the faults.
 */
describe('reliability: export retries over real gRPC', () => {
  prepareExportThread();
  let receiver: OtlpReceiver | undefined;
  let rig: TelemetryRig | undefined;

  afterEach(async () => {
    await rig?.handle.shutdown();
    await receiver?.stop();
    rig = undefined;
    receiver = undefined;
  });

  it('a collector that refuses the first two Export calls (UNAVAILABLE) still gets every span of the flow', async () => {
    receiver = await OtlpReceiver.start({
      port: 0,
      faults: { failFirst: 2, failCode: grpcStatus.UNAVAILABLE },
    });
    const worker = telemetryWorker(receiver.endpoint);
    rig = startTelemetry(worker, { record: true });
    const { result } = await runFlowOn(rig, worker, FLOW);
    expect(result.stats['src']?.processed).to.equal(20);
    await rig.handle.shutdown();

    const sent = rig.recorded().map((s) => s.spanContext().spanId);
    const got = new Set(receiver.spans().map((s) => s.spanId));
    expect(sent.length).to.be.at.least(40 + 2); // 40 task.handle + 2 task.run (+ manager spans)
    expect(
      sent.filter((id) => !got.has(id)),
      'spans the collector never got',
    ).to.deep.equal([]);
    expect(receiver.exportCalls().filter((c) => c.failed)).to.have.length(2);
    const stats = rig.spanStats();
    expect(stats.retries).to.be.at.least(1);
    expect(stats.droppedItems).to.equal(0);
    expect(stats.recoveredBatches).to.be.at.least(1);
  });

  it('without the wrapper (the plain OTel exporter) the same blip loses spans', async () => {
    receiver = await OtlpReceiver.start({
      port: 0,
      faults: { failFirst: 2, failCode: grpcStatus.UNAVAILABLE },
    });
    const worker = telemetryWorker(receiver.endpoint);
    const raw = new OTLPTraceExporter({ url: receiver.endpoint, timeoutMillis: 5_000 });
    rig = startTelemetry(worker, { record: true, spanExporter: raw });
    await runFlowOn(rig, worker, FLOW);
    await rig.handle.shutdown();

    const sent = rig.recorded().length;
    const traceCalls = receiver.exportCalls().filter((c) => c.service === 'traces');
    expect(traceCalls.filter((c) => c.failed).length, 'trace calls refused').to.be.at.least(1);
    // One call per batch, never a second try: the refused batches are gone.
    expect(receiver.spans().length, `received of ${sent} sent`).to.be.below(sent);
  });

  it('a non-retryable code (INVALID_ARGUMENT) is not retried: exactly one call for that batch', async () => {
    receiver = await OtlpReceiver.start({
      port: 0,
      faults: { failFirst: 1, failCode: grpcStatus.INVALID_ARGUMENT },
    });
    const worker = telemetryWorker(receiver.endpoint, { batch: { scheduled_delay: '5s' } });
    rig = startTelemetry(worker, { exportRetry: { initialBackoffMs: 10 } });
    const tracer = rig.providers.tracerProvider.getTracer('spec');
    for (let i = 0; i < 3; i++) tracer.startSpan(`doomed-${i}`).end();
    await rig.providers.forceFlush(); // one batch of 3 spans, refused
    await new Promise((r) => setTimeout(r, 200)); // room for a retry that must not come

    const calls = receiver.exportCalls().filter((c) => c.service === 'traces');
    expect(calls).to.have.length(1);
    expect(calls[0]).to.include({ failed: true, failCode: grpcStatus.INVALID_ARGUMENT, spans: 3 });
    expect(rig.spanStats()).to.include({ retries: 0, droppedBatches: 1, droppedItems: 3 });

    // The exporter is not stuck: the next batch goes through.
    tracer.startSpan('after').end();
    await rig.providers.forceFlush();
    expect(receiver.spans().map((s) => s.name)).to.deep.equal(['after']);
  });

  it('RESOURCE_EXHAUSTED without RetryInfo is not retried either', async () => {
    receiver = await OtlpReceiver.start({
      port: 0,
      faults: { failFirst: 1, failCode: grpcStatus.RESOURCE_EXHAUSTED },
    });
    const worker = telemetryWorker(receiver.endpoint, { batch: { scheduled_delay: '5s' } });
    rig = startTelemetry(worker, { exportRetry: { initialBackoffMs: 10 } });
    rig.providers.tracerProvider.getTracer('spec').startSpan('x').end();
    await rig.providers.forceFlush();
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.exportCalls().filter((c) => c.service === 'traces')).to.have.length(1);
  });
});
