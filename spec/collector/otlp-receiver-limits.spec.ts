import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { OtlpReceiver } from '../../src/collector/otlp-receiver';
import {
  METRICS_EXPORT,
  TRACE_EXPORT,
  gaugeRequest,
  gzipBomb,
  id,
  nestedKeyValue,
  oneSpan,
  sendPrecompressed,
  sendRaw,
  stringKeyValue,
  traceRequest,
} from './crafted-otlp';

const MiB = 1024 * 1024;

/** A request of one span carrying a `size`-byte string attribute. */
function sizedRequest(n: number, size: number): Buffer {
  return traceRequest([
    {
      traceId: id(16, n),
      spanId: id(8, n),
      name: `span-${n}`,
      startNs: 1n,
      endNs: 2n,
      attributes: [stringKeyValue('pad', 'x'.repeat(size))],
    },
  ]);
}

describe('OtlpReceiver: limits against hostile requests (real gRPC)', () => {
  let receiver: OtlpReceiver | undefined;

  afterEach(async () => {
    await receiver?.stop();
    receiver = undefined;
  });

  it('refuses gzip bombs with RESOURCE_EXHAUSTED while inflating, keeps none of their bytes, counts each', async () => {
    receiver = await OtlpReceiver.start({ maxRequestBytes: 1 * MiB });
    // 64 MiB of zeros gzip to ~64 KiB; the limit stops inflating after ~1 MiB.
    const bomb = gzipBomb(64 * MiB);
    expect(bomb.length).to.be.below(100 * 1024);
    const outcomes = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(await sendPrecompressed(receiver.endpoint, TRACE_EXPORT, bomb));
    }
    expect(outcomes.map((o) => o.code)).to.deep.equal(
      new Array(5).fill(grpc.status.RESOURCE_EXHAUSTED),
    );
    expect(outcomes[0]!.details).to.contain(String(1 * MiB));
    const stats = receiver.stats();
    expect(stats.refusedTooLarge).to.equal(5);
    expect(stats.received.requests).to.equal(0);
    expect(stats.retained.bytes).to.equal(0);
    expect(receiver.rawRequests()).to.deep.equal([]);

    // The receiver still serves a well-behaved client afterwards, gzip included.
    const fine = await sendRaw(receiver.endpoint, TRACE_EXPORT, sizedRequest(1, 100), {
      gzip: true,
    });
    expect(fine.code).to.equal(grpc.status.OK);
    expect(receiver.spans().map((s) => s.name)).to.deep.equal(['span-1']);
  });

  it('refuses an uncompressed request over maxRequestBytes and counts it', async () => {
    receiver = await OtlpReceiver.start({ maxRequestBytes: 64 * 1024 });
    const big = await sendRaw(receiver.endpoint, TRACE_EXPORT, sizedRequest(1, 100 * 1024));
    const small = await sendRaw(receiver.endpoint, TRACE_EXPORT, sizedRequest(2, 1024));
    expect([big.code, small.code]).to.deep.equal([grpc.status.RESOURCE_EXHAUSTED, grpc.status.OK]);
    expect(receiver.stats()).to.deep.include({ refusedTooLarge: 1, refusedMalformed: 0 });
    expect(receiver.spans().map((s) => s.name)).to.deep.equal(['span-2']);
  });

  it('keeps at most maxRetainedBytes of requests, forgetting the oldest whole requests, counted exactly', async () => {
    receiver = await OtlpReceiver.start({ maxRetainedBytes: 100 * 1024 });
    const sizes: number[] = [];
    for (let n = 0; n < 10; n++) {
      const request = sizedRequest(n, 30 * 1024);
      sizes.push(request.length);
      expect((await sendRaw(receiver.endpoint, TRACE_EXPORT, request)).code).to.equal(0);
    }
    // Each request is a little over 30 KiB: the newest three fit in 100 KiB, four would not.
    const kept = sizes.slice(-3).reduce((a, b) => a + b, 0);
    const stats = receiver.stats();
    expect(stats.retained).to.deep.equal({ requests: 3, bytes: kept, spans: 3, points: 0 });
    expect(stats.evicted).to.deep.equal({
      requests: 7,
      bytes: sizes.slice(0, 7).reduce((a, b) => a + b, 0),
      spans: 7,
      points: 0,
    });
    expect(stats.received).to.deep.include({ requests: 10, spans: 10 });
    expect(receiver.spans().map((s) => s.name)).to.deep.equal(['span-7', 'span-8', 'span-9']);
    expect(receiver.rawRequests().map((b) => b.length)).to.deep.equal(sizes.slice(-3));
    expect(receiver.exportCalls()).to.have.length(3);
  });

  it('keeps at most maxRetained spans; listeners still see every span', async () => {
    let seen = 0;
    receiver = await OtlpReceiver.start({
      maxRetained: 5,
      onTrace: (spans) => {
        seen += spans.length;
      },
    });
    const spans = (from: number) =>
      [0, 1, 2].map((i) => ({
        traceId: id(16, 1),
        spanId: id(8, from + i),
        name: `s${from + i}`,
        startNs: 1n,
        endNs: 2n,
      }));
    for (const from of [0, 3, 6, 9]) {
      await sendRaw(receiver.endpoint, TRACE_EXPORT, traceRequest(spans(from)));
    }
    expect(seen).to.equal(12);
    // Whole requests go: 12 spans in requests of 3, at most 5 kept -> the newest request only.
    expect(receiver.spans().map((s) => s.name)).to.deep.equal(['s9', 's10', 's11']);
    expect(receiver.stats().evicted).to.deep.include({ requests: 3, spans: 9 });
  });

  it('answers malformed bytes and 3,000-deep values with an error status and keeps serving', async () => {
    receiver = await OtlpReceiver.start();
    const garbage = await sendRaw(receiver.endpoint, TRACE_EXPORT, Buffer.from([0x0a, 0xff, 0x01]));
    const deepTrace = await sendRaw(
      receiver.endpoint,
      TRACE_EXPORT,
      traceRequest([oneSpan('deep', [nestedKeyValue('v', 3000)])]),
    );
    const deepMetric = await sendRaw(
      receiver.endpoint,
      METRICS_EXPORT,
      gaugeRequest('g', [nestedKeyValue('v', 3000)]),
    );
    expect(garbage.code).to.equal(grpc.status.INVALID_ARGUMENT);
    expect(deepTrace).to.deep.equal({
      code: grpc.status.INVALID_ARGUMENT,
      details:
        'flowgen OTLP receiver could not decode the traces request: ' +
        'WireFormatError: an attribute value nests deeper than 32 levels',
    });
    // Metrics are decoded by protobufjs first: refused there (INTERNAL) or by the depth check.
    expect([grpc.status.INTERNAL, grpc.status.INVALID_ARGUMENT]).to.include(deepMetric.code);
    expect(receiver.stats()).to.deep.include({ refusedMalformed: 3, refusedTooLarge: 0 });

    const fine = await sendRaw(receiver.endpoint, METRICS_EXPORT, gaugeRequest('g', []));
    expect(fine.code).to.equal(grpc.status.OK);
    expect(receiver.metricPoints('g')).to.have.length(1);
  });

  it('a waitForSpans predicate that throws fails that wait only, even when checked from a delayed answer', async () => {
    receiver = await OtlpReceiver.start({ faults: { delayMs: 50 } });
    const waiting = receiver
      .waitForSpans((spans) => {
        if (spans.length > 0) throw new TypeError('predicate bug');
        return false;
      }, 5000)
      .then(
        () => 'resolved',
        (e: unknown) => String(e),
      );
    const sent = await sendRaw(receiver.endpoint, TRACE_EXPORT, sizedRequest(1, 10));
    expect(sent.code).to.equal(grpc.status.OK);
    expect(await waiting).to.equal('TypeError: predicate bug');
    expect(receiver.spans().map((s) => s.name)).to.deep.equal(['span-1']);
  });

  it('rejects a limit that is not a positive integer, naming the option', async () => {
    const error = await OtlpReceiver.start({ maxRetainedBytes: -1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(RangeError);
    expect(String(error)).to.contain('maxRetainedBytes must be a positive integer');
  });
});
