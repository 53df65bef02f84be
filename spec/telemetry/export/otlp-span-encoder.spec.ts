import { SpanKind, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { SpanChunk } from '../../../src/telemetry/export/span-chunk';

/*
 * The guard of the one-pass encoder: for spans with every field kind, its
 * request bytes equal the stock OTLP serializer's, byte for byte. A change of
 * the proto, of the SDK's span fields or of the stock encoder shows here.
 */
function recordingTracer(scopeVersion?: string): {
  tracer: Tracer;
  spans: () => ReadableSpan[];
  provider: BasicTracerProvider;
} {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'encoder-spec',
      'host.cores': 2,
      'deployment.ratio': 0.5,
      'feature.flags': ['a', 'b'],
    }),
    spanLimits: { attributeCountLimit: 12, eventCountLimit: 3, linkCountLimit: 2 },
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return {
    tracer: provider.getTracer('flowgen-spec', scopeVersion),
    spans: () => exporter.getFinishedSpans(),
    provider,
  };
}

function encode(spans: readonly ReadableSpan[]): Buffer {
  const first = spans[0]!;
  const chunk = new SpanChunk(first.resource, first.instrumentationScope);
  for (const span of spans) chunk.add(span);
  const sealed = chunk.seal();
  expect(sealed.spans).to.equal(spans.length);
  expect(sealed.bytes.byteOffset).to.equal(0);
  expect(sealed.bytes.byteLength, 'a buffer of its own').to.equal(sealed.bytes.buffer.byteLength);
  return Buffer.from(sealed.bytes);
}

function stock(spans: ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
}

const remoteParent = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: new TraceState('vendor=abc,other=x:1'),
};

describe('telemetry/export: the OTLP span encoder', () => {
  it('writes the same bytes as the stock ProtobufTraceSerializer for every field kind', () => {
    const { tracer, spans } = recordingTracer('1.2.3');
    const linked = tracer.startSpan('linked');
    linked.end();
    const parentCtx = trace.setSpanContext(context.active(), remoteParent);
    const kinds = [
      SpanKind.INTERNAL,
      SpanKind.SERVER,
      SpanKind.CLIENT,
      SpanKind.PRODUCER,
      SpanKind.CONSUMER,
    ];
    for (const kind of kinds) {
      const span = tracer.startSpan(
        `span.kind.${kind}`,
        {
          kind,
          attributes: {
            str: 'text',
            unicode: 'naïve ☃ 🚀',
            long: 'x'.repeat(300),
            int: 42,
            negative: -7,
            big: 2 ** 40,
            huge: 2 ** 62,
            double: 3.25,
            nan: Number.NaN,
            yes: true,
            no: false,
            strings: ['a', 'β', ''],
            ints: [1, -2, 3],
            doubles: [0.5, 1.5],
            bools: [true, false],
            sparse: ['x', null, undefined] as unknown as string[],
          },
          links: [
            { context: linked.spanContext(), attributes: { 'link.n': 1 } },
            { context: remoteParent },
            { context: linked.spanContext() }, // over the limit: dropped and counted
          ],
        },
        parentCtx,
      );
      span.addEvent('started', { 'event.n': 1, 'event.tags': ['t'] });
      span.addEvent('plain');
      span.addEvent('third', [4_102_444_800, 123_456_789]); // 2100: seconds above 2^31
      span.addEvent('fourth'); // over the limit: dropped and counted
      if (kind === SpanKind.CLIENT) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom: naïve' });
        span.recordException(new TypeError('bad type'));
      } else if (kind === SpanKind.SERVER) {
        span.setStatus({ code: SpanStatusCode.OK });
      }
      span.end();
    }
    const local = tracer.startSpan('child.local', {}, trace.setSpan(context.active(), linked));
    local.end([1_800_000_000, 999_999_999]);

    const all = spans();
    expect(all).to.have.length(7);
    const withDrops = all.find((s) => s.name === `span.kind.${SpanKind.CLIENT}`)!;
    expect(withDrops.droppedAttributesCount, 'attributes dropped over the limit').to.be.greaterThan(
      0,
    );
    expect(withDrops.droppedEventsCount).to.be.greaterThan(0);
    expect(withDrops.droppedLinksCount).to.equal(1);
    expect(withDrops.parentSpanContext?.isRemote).to.equal(true);

    const ours = encode(all);
    expect(ours.length).to.be.greaterThan(2_000);
    expect(ours.equals(stock(all)), 'byte-identical to the stock serializer').to.equal(true);
  });

  it('matches for a scope without version, one span, and for hundreds of spans (multi-byte lengths)', () => {
    const { tracer, spans } = recordingTracer();
    tracer.startSpan('one').end();
    expect(encode(spans()).equals(stock(spans()))).to.equal(true);
    for (let i = 0; i < 600; i++) {
      tracer.startSpan(`task.handle`, { attributes: { task: 'enrich', task_id: i } }).end();
    }
    const all = spans();
    expect(all).to.have.length(601);
    const ours = encode(all);
    expect(ours.length, 'a request above 2^14 bytes').to.be.greaterThan(16_384);
    expect(ours.equals(stock(all))).to.equal(true);
  });

  it('seals into independent requests: a second seal holds only the spans added since', () => {
    const { tracer, spans } = recordingTracer('2');
    tracer.startSpan('a').end();
    tracer.startSpan('b').end();
    const [a, b] = spans();
    const chunk = new SpanChunk(a!.resource, a!.instrumentationScope);
    chunk.add(a!);
    const first = Buffer.from(chunk.seal().bytes);
    chunk.add(b!);
    const second = chunk.seal();
    expect(second.spans).to.equal(1);
    expect(first.equals(stock([a!]))).to.equal(true);
    expect(Buffer.from(second.bytes).equals(stock([b!]))).to.equal(true);
    expect(chunk.spans).to.equal(0);
    expect(chunk.size).to.equal(0);
  });
});
