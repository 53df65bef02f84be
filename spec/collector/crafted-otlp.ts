// Hand-crafted OTLP requests for the hostile-input specs: a tiny protobuf
// writer (no SDK in between, so a spec can build shapes no SDK would send:
// 3,000-deep parent chains, 300k-span traces, values nested 3,000 deep), and
// real gRPC clients that send those bytes as they are.
import * as http2 from 'node:http2';
import * as zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';

/** gRPC method paths of the two OTLP services. */
export const TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const METRICS_EXPORT = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

/** A length-delimited field. */
export function ld(field: number, payload: Buffer | string): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

/** A varint field. */
export function vint(field: number, value: number | bigint): Buffer {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

/** A fixed64 field. */
export function fixed64(field: number, value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  return Buffer.concat([varint((field << 3) | 1), b]);
}

/** A `KeyValue` with a string value, as a span attribute field (9) or resource attribute (1) payload. */
export function stringKeyValue(key: string, value: string): Buffer {
  return Buffer.concat([ld(1, key), ld(2, ld(1, value))]);
}

/** A `KeyValue` whose value is a kvlist nested `depth` levels deep, built inside out without recursion. */
export function nestedKeyValue(key: string, depth: number): Buffer {
  let anyValue = ld(1, 'leaf');
  for (let i = 1; i < depth; i++) {
    const kv = Buffer.concat([ld(1, 'k'), ld(2, anyValue)]);
    anyValue = ld(6, ld(1, kv)); // AnyValue.kvlist_value { values: [kv] }
  }
  return Buffer.concat([ld(1, key), ld(2, anyValue)]);
}

/** One span of a crafted request. */
export interface CraftedSpan {
  readonly traceId: Buffer;
  readonly spanId: Buffer;
  readonly parentSpanId?: Buffer;
  readonly name: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
  /** Encoded `KeyValue` messages. */
  readonly attributes?: readonly Buffer[];
}

/** A root span of trace 1, span 1, named `name`, with the given encoded attributes. */
export function oneSpan(name: string, attributes: readonly Buffer[] = []): CraftedSpan {
  return { traceId: id(16, 1), spanId: id(8, 1), name, startNs: 1n, endNs: 2n, attributes };
}

/** The bytes of one `Span` message. */
export function spanBytes(span: CraftedSpan): Buffer {
  return Buffer.concat([
    ld(1, span.traceId),
    ld(2, span.spanId),
    ...(span.parentSpanId ? [ld(4, span.parentSpanId)] : []),
    ld(5, span.name),
    vint(6, 1),
    fixed64(7, span.startNs),
    fixed64(8, span.endNs),
    ...(span.attributes ?? []).map((kv) => ld(9, kv)),
  ]);
}

/** An `ExportTraceServiceRequest` with one resource (`service.name`) and one scope holding the spans. */
export function traceRequest(
  spans: readonly (CraftedSpan | Buffer)[],
  service = 'crafted',
): Buffer {
  const resource = ld(1, ld(1, stringKeyValue('service.name', service))); // ResourceSpans.resource.attributes
  const scope = ld(1, ld(1, 'crafted-scope'));
  const spanFields = spans.map((s) => ld(2, Buffer.isBuffer(s) ? s : spanBytes(s)));
  const scopeSpans = ld(2, Buffer.concat([scope, ...spanFields]));
  return ld(1, Buffer.concat([resource, scopeSpans]));
}

/** An `ExportMetricsServiceRequest` with one gauge point carrying the given encoded attributes. */
export function gaugeRequest(name: string, attributes: readonly Buffer[]): Buffer {
  const point = Buffer.concat([
    ...attributes.map((kv) => ld(7, kv)), // NumberDataPoint.attributes = 7
    fixed64(3, 1n), // time_unix_nano
    fixed64(4, 1n), // as_double (bits do not matter here)
  ]);
  const metric = Buffer.concat([ld(1, name), ld(5, ld(1, point))]); // Metric.gauge = 5
  const scopeMetrics = ld(2, ld(2, metric)); // ScopeMetrics.metrics = 2
  return ld(1, scopeMetrics);
}

/** An ID of `bytes` bytes whose last bytes encode `n` (distinct, readable in hex). */
export function id(bytes: 8 | 16, n: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.writeUInt32BE(n + 1, bytes - 4);
  return b;
}

/** How a call ended, as the client saw it. */
export interface CallOutcome {
  readonly code: number;
  readonly details: string;
}

/**
 * Sends `message` as it is (no SDK serializer) with a real grpc-js client and
 * resolves with the status; `gzip` lets grpc-js compress it on the way.
 */
export function sendRaw(
  endpoint: string,
  path: string,
  message: Buffer,
  options: { gzip?: boolean } = {},
): Promise<CallOutcome> {
  const target = endpoint.replace(/^https?:\/\//, '');
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
    ...(options.gzip ? { 'grpc.default_compression_algorithm': 2 } : {}),
  });
  return new Promise<CallOutcome>((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      message,
      (error) => {
        client.close();
        resolve(error ? { code: error.code, details: error.details } : { code: 0, details: '' });
      },
    );
  });
}

/** `size` zero bytes gzipped once (a 60 MiB bomb is ~60 KiB), for {@link sendPrecompressed}. */
export function gzipBomb(size: number): Buffer {
  return zlib.gzipSync(Buffer.alloc(size), { level: 9 });
}

/**
 * Sends already-gzipped bytes as one gRPC message over HTTP/2 (compressed flag
 * set, `grpc-encoding: gzip`). grpc-js's client compresses only what it is
 * given, so a bomb sent through it would have to be built and deflated in full
 * for every call; this sends the same wire bytes a hostile client would.
 */
export function sendPrecompressed(
  endpoint: string,
  path: string,
  gzipped: Buffer,
): Promise<CallOutcome> {
  return new Promise<CallOutcome>((resolve, reject) => {
    const session = http2.connect(endpoint);
    session.on('error', reject);
    const request = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      'grpc-encoding': 'gzip',
      te: 'trailers',
    });
    let status: CallOutcome | undefined;
    const read = (headers: http2.IncomingHttpHeaders): void => {
      const code = headers['grpc-status'];
      if (code !== undefined) {
        status = { code: Number(code), details: String(headers['grpc-message'] ?? '') };
      }
    };
    request.on('response', read);
    request.on('trailers', read);
    request.on('data', () => undefined);
    request.on('error', () => undefined);
    request.on('close', () => {
      session.close();
      if (status) resolve(status);
      else reject(new Error('no grpc-status in the response'));
    });
    const prefix = Buffer.alloc(5);
    prefix[0] = 1;
    prefix.writeUInt32BE(gzipped.length, 1);
    request.end(Buffer.concat([prefix, gzipped]));
  });
}
