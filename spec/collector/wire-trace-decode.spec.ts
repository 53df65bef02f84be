import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { expect } from 'chai';
import { decodeTraceRequest } from '../../src/collector/otlp-decode';
import { OtlpReceiver } from '../../src/collector/otlp-receiver';
import { loadTraceRequestDecoder } from '../../src/collector/otlp-proto';
import { MAX_VALUE_DEPTH } from '../../src/collector/wire-attributes';
import { WireFormatError } from '../../src/collector/wire-reader';
import { decodeTraceRequestBytes } from '../../src/collector/wire-trace-decode';
import { id, ld, nestedKeyValue, oneSpan, traceRequest, vint } from './crafted-otlp';
import { tracingTo } from './otel-pipeline';

describe('collector/wire-trace-decode decodeTraceRequestBytes', () => {
  it('decodes what the OTel SDK sends exactly as the protobufjs path does, for every field kind', async () => {
    const receiver = await OtlpReceiver.start();
    const { provider } = tracingTo(receiver, { serviceName: 'wire-spec' });
    try {
      const tracer = provider.getTracer('wire-tracer', '1.2.3');
      const root = tracer.startSpan('root', {
        kind: SpanKind.SERVER,
        attributes: {
          s: 'text',
          i: 42,
          neg: -7,
          big: 2 ** 40,
          d: 1.5,
          b: true,
          f: false,
          arr: ['x', 'y'],
          nums: [1, 2.5],
          empty: '',
        },
        links: [
          {
            context: {
              traceId: 'ab'.repeat(16),
              spanId: 'cd'.repeat(8),
              traceFlags: 1,
            },
            attributes: { 'link.kind': 'follows' },
          },
        ],
      });
      const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), root));
      child.addEvent('note', { step: 3, ok: true });
      child.recordException(new TypeError('bad value'));
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'bad value' });
      child.end();
      root.setStatus({ code: SpanStatusCode.OK });
      root.end();
      await provider.forceFlush();
      const spans = await receiver.waitForSpans(2, 3000);

      const [raw] = receiver.rawRequests();
      const reference = decodeTraceRequest(loadTraceRequestDecoder()(raw!));
      expect(spans).to.deep.equal(reference);
      // And the decoded values are the typed ones a spec relies on.
      const rootSpan = spans.find((s) => s.name === 'root')!;
      expect(rootSpan.attributeTypes).to.include({
        i: 'int',
        d: 'double',
        b: 'bool',
        arr: 'array',
      });
      expect(rootSpan.attributes).to.include({ i: 42, neg: -7, big: 2 ** 40, d: 1.5, b: true });
      expect(rootSpan.links[0]).to.deep.equal({
        traceId: 'ab'.repeat(16),
        spanId: 'cd'.repeat(8),
        attributes: { 'link.kind': 'follows' },
      });
      expect(rootSpan.resource['service.name']).to.equal('wire-spec');
      expect(rootSpan.scope).to.deep.equal({ name: 'wire-tracer', version: '1.2.3' });
      const childSpan = spans.find((s) => s.name === 'child')!;
      expect(childSpan.parentSpanId).to.equal(rootSpan.spanId);
      expect(childSpan.status).to.deep.equal({ code: 2, message: 'bad value' });
      expect(childSpan.events.map((e) => e.name)).to.deep.equal(['note', 'exception']);
    } finally {
      await provider.shutdown();
      await receiver.stop();
    }
  });

  it('reads int64 extremes exactly: numbers when safe, bigint beyond', () => {
    const intKv = (key: string, v: bigint) => Buffer.concat([ld(1, key), ld(2, vint(3, v))]);
    const request = traceRequest([
      {
        traceId: id(16, 1),
        spanId: id(8, 1),
        name: 'ints',
        startNs: 1n,
        endNs: 2n,
        attributes: [
          intKv('max_safe', BigInt(Number.MAX_SAFE_INTEGER)),
          intKv('min_safe', BigInt(Number.MIN_SAFE_INTEGER)),
          intKv('max', 2n ** 63n - 1n),
          intKv('min', -(2n ** 63n)),
          intKv('minus_one', -1n),
        ],
      },
    ]);
    const [span] = decodeTraceRequestBytes(request);
    expect(span!.attributes).to.deep.equal({
      max_safe: Number.MAX_SAFE_INTEGER,
      min_safe: Number.MIN_SAFE_INTEGER,
      max: 2n ** 63n - 1n,
      min: -(2n ** 63n),
      minus_one: -1,
    });
    expect(decodeTraceRequest(loadTraceRequestDecoder()(request))[0]!.attributes).to.deep.equal(
      span!.attributes,
    );
  });

  it(`refuses values nested deeper than ${MAX_VALUE_DEPTH} levels (3,000 deep) without recursing into them`, () => {
    const ok = traceRequest([oneSpan('ok', [nestedKeyValue('v', MAX_VALUE_DEPTH)])]);
    expect(decodeTraceRequestBytes(ok)[0]!.attributeTypes.v).to.equal('kvlist');
    const deep = traceRequest([oneSpan('deep', [nestedKeyValue('v', 3000)])]);
    expect(() => decodeTraceRequestBytes(deep)).to.throw(WireFormatError, /deeper than 32 levels/);
  });

  it('throws WireFormatError on truncated or mistyped bytes', () => {
    const good = traceRequest([
      { traceId: id(16, 1), spanId: id(8, 1), name: 'x', startNs: 1n, endNs: 2n },
    ]);
    expect(() => decodeTraceRequestBytes(good.subarray(0, good.length - 3))).to.throw(
      WireFormatError,
    );
    // resource_spans (field 1) sent as a varint instead of a message.
    expect(() => decodeTraceRequestBytes(vint(1, 5))).to.throw(WireFormatError, /wire type 0/);
    expect(() =>
      decodeTraceRequestBytes(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])),
    ).to.throw(WireFormatError, /past the end/);
  });

  it('keeps an attribute named __proto__ as an own key, never as the prototype', () => {
    const kv = Buffer.concat([
      ld(1, '__proto__'),
      ld(2, ld(6, ld(1, Buffer.concat([ld(1, 'polluted'), ld(2, ld(1, 'yes'))])))),
    ]);
    const [span] = decodeTraceRequestBytes(traceRequest([oneSpan('p', [kv])]));
    expect(Object.getPrototypeOf(span!.attributes)).to.equal(Object.prototype);
    expect(Object.keys(span!.attributes)).to.deep.equal(['__proto__']);
    expect((span!.attributes as Record<string, unknown>).polluted).to.equal(undefined);
  });
});
