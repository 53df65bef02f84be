import { OPENSSL, generateSelfSignedCert } from '../support/self-signed-cert';
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { CollectorError } from '../../src/collector/collector-error';
import { OtlpReceiver } from '../../src/collector/otlp-receiver';
import { GZIP, metricsTo, tracingTo } from './otel-pipeline';

/** Delegates to the real exporter and keeps each export's result for assertions. */
class ResultRecordingExporter implements SpanExporter {
  readonly results: ExportResult[] = [];
  constructor(private readonly inner: OTLPTraceExporter) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      this.results.push(result);
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

describe('OtlpReceiver: transport (gzip, metadata, faults, raw bytes, TLS)', () => {
  const toStop: { shutdown?: () => Promise<void>; stop?: () => Promise<void> }[] = [];

  afterEach(async () => {
    // Providers first (they close their gRPC channels), receivers last.
    for (const item of toStop.splice(0).reverse()) {
      await item.shutdown?.();
      await item.stop?.();
    }
  });

  async function receiver(options: Parameters<typeof OtlpReceiver.start>[0] = {}) {
    const r = await OtlpReceiver.start(options);
    toStop.push(r);
    return r;
  }

  it('reports gzip-compressed requests and their grpc-encoding, and plain ones as identity', async () => {
    const r = await receiver();
    const zipped = tracingTo(r, { compression: GZIP }).provider;
    const plain = tracingTo(r).provider;
    toStop.push(zipped, plain);

    zipped.getTracer('t').startSpan('zipped').end();
    await zipped.forceFlush();
    plain.getTracer('t').startSpan('plain').end();
    await plain.forceFlush();
    await r.waitForSpans(2, 3000);

    const [first, second] = r.exportCalls();
    expect(first).to.include({ compressed: true });
    expect(first!.metadata['grpc-encoding']).to.equal('gzip');
    expect(second).to.include({ compressed: false });
    expect(second!.metadata['grpc-encoding']).to.equal('identity');
    expect(r.spans().map((s) => s.name)).to.deep.equal(['zipped', 'plain']);
  });

  it('passes the exporter metadata (custom headers) through on traces and metrics', async () => {
    const r = await receiver();
    const metadata = new grpc.Metadata();
    metadata.set('x-api-key', 'secret-key-1');
    metadata.set('x-tenant', 'acme');
    const traces = tracingTo(r, { metadata }).provider;
    const metrics = metricsTo(r, { metadata, compression: GZIP });
    toStop.push(traces, metrics);

    traces.getTracer('t').startSpan('with-headers').end();
    await traces.forceFlush();
    metrics.getMeter('m').createCounter('c').add(1);
    await metrics.forceFlush();

    const calls = r.exportCalls();
    expect(calls.map((c) => c.service)).to.deep.equal(['traces', 'metrics']);
    for (const call of calls) {
      expect(call.metadata).to.include({ 'x-api-key': 'secret-key-1', 'x-tenant': 'acme' });
      expect(call.metadata['user-agent']).to.contain('OTel-OTLP-Exporter-JavaScript');
    }
    expect(calls[1]).to.include({ service: 'metrics', points: 1, compressed: true });
  });

  it('failFirst: 1 fails the first call with UNAVAILABLE, records it as failed, keeps its spans out', async () => {
    const r = await receiver({ faults: { failFirst: 1 } });
    const exporter = new ResultRecordingExporter(new OTLPTraceExporter({ url: r.endpoint }));
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    toStop.push(provider);
    const tracer = provider.getTracer('t');

    tracer.startSpan('lost').end();
    // SimpleSpanProcessor surfaces the failed export through forceFlush.
    const flushed = await provider.forceFlush().then(
      () => 'resolved',
      () => 'rejected',
    );
    expect(flushed).to.equal('rejected');
    tracer.startSpan('kept').end();
    await provider.forceFlush();

    expect(exporter.results.map((x) => x.code)).to.deep.equal([
      ExportResultCode.FAILED,
      ExportResultCode.SUCCESS,
    ]);
    expect((exporter.results[0]!.error as { code?: number }).code).to.equal(
      grpc.status.UNAVAILABLE,
    );
    const calls = r.exportCalls();
    expect(calls[0]).to.include({ failed: true, failCode: grpc.status.UNAVAILABLE, spans: 1 });
    expect(calls[1]!.failed).to.equal(undefined);
    expect(r.spans().map((s) => s.name)).to.deep.equal(['kept']);
    expect(r.rawRequests()).to.have.length(2);
  });

  it('setFaults changes faults at run time: another code, then a delay', async () => {
    const r = await receiver();
    const exporter = new ResultRecordingExporter(new OTLPTraceExporter({ url: r.endpoint }));
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    toStop.push(provider);
    const tracer = provider.getTracer('t');

    r.setFaults({ failFirst: 1, failCode: grpc.status.RESOURCE_EXHAUSTED });
    tracer.startSpan('throttled').end();
    await provider.forceFlush().catch(() => undefined);
    expect(r.exportCalls()[0]).to.include({
      failed: true,
      failCode: grpc.status.RESOURCE_EXHAUSTED,
    });

    r.setFaults({ delayMs: 150 });
    const started = Date.now();
    tracer.startSpan('slow').end();
    // The call is recorded on arrival; its spans count only once it is answered.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (r.exportCalls().length === 2) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    expect(r.spans()).to.deep.equal([]);
    await provider.forceFlush();
    expect(Date.now() - started).to.be.at.least(140);
    expect(r.spans().map((s) => s.name)).to.deep.equal(['slow']);
  });

  it('keeps the raw bytes of every request, so a spec can grep for a marker', async () => {
    const r = await receiver();
    const provider = tracingTo(r, { compression: GZIP }).provider;
    toStop.push(provider);
    provider
      .getTracer('t')
      .startSpan('carrier', { attributes: { 'payload.marker': 'MARKER-7f3a' } })
      .end();
    await provider.forceFlush();
    provider.getTracer('t').startSpan('clean').end();
    await provider.forceFlush();

    const raw = r.rawRequests();
    expect(raw).to.have.length(2);
    // Bytes are kept after gRPC decompression: gzip does not hide the marker.
    expect(raw[0]!.includes('MARKER-7f3a')).to.equal(true);
    expect(raw[1]!.includes('MARKER-7f3a')).to.equal(false);
    expect(r.exportCalls()[0]!.bytes).to.equal(raw[0]!.length);
  });

  it('serves TLS with a self-signed certificate the exporter trusts', async function () {
    if (!fs.existsSync(OPENSSL)) this.skip();
    const tls = generateSelfSignedCert();
    try {
      const r = await receiver({ tls: { cert: tls.cert, key: tls.key } });
      expect(r.endpoint).to.equal(`https://127.0.0.1:${r.port}`);
      // `localhost` rather than the IP: Node warns when TLS SNI is set to an IP address.
      const provider = tracingTo(r, {
        url: `https://localhost:${r.port}`,
        credentials: grpc.credentials.createSsl(tls.cert),
      }).provider;
      toStop.push(provider);
      provider.getTracer('t').startSpan('over-tls').end();
      await provider.forceFlush();
      const spans = await r.waitForSpans(1, 3000);
      expect(spans[0]!.name).to.equal('over-tls');
    } finally {
      tls.cleanup();
    }
  });

  it('rejects start() with FLOWGEN_COLLECTOR_LISTEN when the port is taken', async () => {
    const first = await receiver();
    const error = await OtlpReceiver.start({ port: first.port }).then(
      async (unexpected) => {
        await unexpected.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CollectorError);
    expect((error as CollectorError).code).to.equal('FLOWGEN_COLLECTOR_LISTEN');
    expect((error as CollectorError).message).to.contain(String(first.port));
  });

  it('stop() rejects pending waits and is idempotent', async () => {
    const r = await OtlpReceiver.start();
    const pending = r.waitForSpans(1, 5000).then(
      () => undefined,
      (e: unknown) => e,
    );
    await r.stop();
    await r.stop();
    const error = await pending;
    expect((error as CollectorError).code).to.equal('FLOWGEN_COLLECTOR_STOPPED');
  });
});
