/**
 * The plain-JS shapes the local OTLP receiver decodes spans, metric points and
 * export calls into: easy to assert on in a spec, to print and to write as JSON.
 *
 * Time stamps stay `bigint` nanoseconds (a `number` loses precision past 2^53 ns,
 * i.e. for any wall-clock time); `durationMs` and friends are the convenient,
 * rounded views.
 */

/**
 * One decoded OTLP `AnyValue`. Integers arrive as `number` when they fit in a
 * JS number exactly and as `bigint` otherwise; `bytes` as a `Uint8Array`, a
 * `kvlist` as a plain object, an empty `AnyValue` as `null`.
 */
export type AttributeValue =
  | string
  | number
  | boolean
  | bigint
  | Uint8Array
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

/** The OTLP wire type an attribute value arrived as (`number` alone cannot tell int from double). */
export type AttributeType =
  | 'string'
  | 'int'
  | 'double'
  | 'bool'
  | 'array'
  | 'kvlist'
  | 'bytes'
  | 'empty';

/** Decoded attributes: key to value. */
export type Attributes = Record<string, AttributeValue>;

/** The wire type of each attribute in an {@link Attributes} record. */
export type AttributeTypes = Record<string, AttributeType>;

/** Instrumentation scope (tracer or meter name and version). */
export interface ReceivedScope {
  /** The tracer or meter name. */
  name: string;
  /** Its version; `undefined` when the SDK sent none. */
  version?: string;
}

/** A span event, e.g. the `exception` event that `recordException` adds. */
export interface ReceivedSpanEvent {
  /** Event name (`exception` for recorded exceptions). */
  name: string;
  /** Event attributes (`exception.type`, `exception.message`, `exception.stacktrace`...). */
  attributes: Attributes;
  /** Wire type of each event attribute. */
  attributeTypes: AttributeTypes;
  /** When the event happened, UNIX epoch nanoseconds. */
  timeUnixNano: bigint;
}

/** A span link. */
export interface ReceivedSpanLink {
  /** Linked trace ID, lowercase hex. */
  traceId: string;
  /** Linked span ID, lowercase hex. */
  spanId: string;
  /** Link attributes. */
  attributes: Attributes;
}

/** OTLP span status: 0 UNSET, 1 OK, 2 ERROR. */
export interface ReceivedStatus {
  /** 0 = UNSET, 1 = OK, 2 = ERROR. */
  code: 0 | 1 | 2;
  /** The status description; `undefined` when empty. */
  message?: string;
}

/** One span as it arrived at the receiver. */
export interface ReceivedSpan {
  /** Trace ID, 32 lowercase hex characters. */
  traceId: string;
  /** Span ID, 16 lowercase hex characters. */
  spanId: string;
  /** Parent span ID, or `undefined` for a root span. */
  parentSpanId?: string;
  /** W3C tracestate, or `undefined` when empty. */
  traceState?: string;
  /** Span name. */
  name: string;
  /** OTLP SpanKind: 0 UNSPECIFIED, 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER. */
  kind: number;
  /** Start, UNIX epoch nanoseconds. */
  startTimeUnixNano: bigint;
  /** End, UNIX epoch nanoseconds. */
  endTimeUnixNano: bigint;
  /** `end - start` in milliseconds (fractional). */
  durationMs: number;
  /** Span attributes. */
  attributes: Attributes;
  /** Wire type of each span attribute, e.g. `{ task_id: 'int' }`. */
  attributeTypes: AttributeTypes;
  /** Final status. */
  status: ReceivedStatus;
  /** Span events in recorded order. */
  events: ReceivedSpanEvent[];
  /** Span links. */
  links: ReceivedSpanLink[];
  /** Attributes of the resource that produced the span (`service.name`...). */
  resource: Attributes;
  /** The tracer that produced the span. */
  scope: ReceivedScope;
}

/** Metric data kinds the receiver decodes. */
export type MetricPointType = 'sum' | 'gauge' | 'histogram' | 'exponential_histogram' | 'summary';

/** Aggregation temporality of a sum or histogram. */
export type Temporality = 'delta' | 'cumulative' | 'unspecified';

/** One metric data point, from one export call. */
export interface ReceivedMetricPoint {
  /** Instrument name. */
  name: string;
  /** Unit (UCUM), `''` when none. */
  unit: string;
  /** Instrument description, `''` when none. */
  description: string;
  /** Which OTLP data kind carried the point. */
  type: MetricPointType;
  /** For sums: whether the sum is monotonic (a counter). */
  monotonic?: boolean;
  /** For sums and histograms; `undefined` for gauges and summaries. */
  temporality?: Temporality;
  /** Point attributes (the time series). */
  attributes: Attributes;
  /** Wire type of each point attribute. */
  attributeTypes: AttributeTypes;
  /** For sums and gauges: the value. */
  value?: number;
  /** For sums and gauges: whether the value came as `as_int` or `as_double`. */
  valueType?: 'int' | 'double';
  /** For histograms and summaries: number of recorded values. */
  count?: number;
  /** For histograms and summaries: sum of recorded values (when sent). */
  sum?: number;
  /** For histograms: smallest recorded value (when sent). */
  min?: number;
  /** For histograms: largest recorded value (when sent). */
  max?: number;
  /** For explicit-bucket histograms: count per bucket (`explicitBounds.length + 1` entries). */
  bucketCounts?: number[];
  /** For explicit-bucket histograms: bucket upper bounds. */
  explicitBounds?: number[];
  /** Attributes of the resource that produced the point (`service.name`...). */
  resource: Attributes;
  /** The meter that produced the point. */
  scope: ReceivedScope;
  /** Start of the aggregation interval, UNIX epoch nanoseconds (0n when unset). */
  startTimeUnixNano: bigint;
  /** End of the aggregation interval / observation time, UNIX epoch nanoseconds. */
  timeUnixNano: bigint;
}

/** Which OTLP service an export call was for. */
export type ExportService = 'traces' | 'metrics';

/** One gRPC `Export` call as the receiver saw it, failed or not. */
export interface ExportCall {
  /** `traces` or `metrics`. */
  service: ExportService;
  /** Spans in the request (traces calls). */
  spans?: number;
  /** Metric data points in the request (metrics calls). */
  points?: number;
  /**
   * The gRPC request metadata: custom headers such as `x-api-key`, `user-agent`, and
   * `grpc-encoding` (`identity` when the client sent none). Binary (`-bin`) values are base64.
   */
  metadata: Record<string, string>;
  /** Whether the request message arrived gzip/deflate-compressed on the wire. */
  compressed: boolean;
  /** Size of the request message in bytes, after decompression. */
  bytes: number;
  /** `Date.now()` when the call arrived. */
  at: number;
  /** `true` when the receiver failed the call on purpose ({@link ReceiverFaults}). */
  failed?: boolean;
  /** The gRPC status code the call was failed with. */
  failCode?: number;
}

/** Fault injection for specs that check an exporter's behaviour on errors. */
export interface ReceiverFaults {
  /** Fail the next N export calls (counted from `start` or from the last `setFaults`). */
  failFirst?: number;
  /** gRPC status code of the injected failures; default `UNAVAILABLE` (14). */
  failCode?: number;
  /** Delay every response (failed or not) by this many milliseconds. */
  delayMs?: number;
}

/** TLS material for the receiver: PEM certificate chain and private key. */
export interface ReceiverTls {
  /** PEM certificate (chain). */
  cert: Buffer | string;
  /** PEM private key. */
  key: Buffer | string;
}

/** Options of {@link OtlpReceiver.start}. */
export interface OtlpReceiverOptions {
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** Port; `0` (the default) picks a free port, see `receiver.port`. */
  port?: number;
  /** Serve TLS instead of plaintext; `endpoint` then starts with `https://`. */
  tls?: ReceiverTls;
  /** Initial fault injection; change it later with `setFaults`. */
  faults?: ReceiverFaults;
  /** Called with the spans of every successful traces export. */
  onTrace?: (spans: ReceivedSpan[], call: ExportCall) => void;
  /** Called with the points of every successful metrics export. */
  onMetrics?: (points: ReceivedMetricPoint[], call: ExportCall) => void;
  /**
   * Keep at most this many spans, points, calls and raw requests for `spans()`,
   * `metricPoints()`, `exportCalls()` and `rawRequests()`; beyond it the oldest
   * whole requests are forgotten (counted in {@link ReceiverStats.evicted}).
   * Listeners see everything regardless. Default 100,000.
   */
  maxRetained?: number;
  /**
   * Keep at most this many request bytes (decompressed protobuf) for the lists
   * above; beyond it the oldest whole requests are forgotten. Decoded spans and
   * points of a kept request cost a small multiple of its bytes. Default 64 MiB.
   */
  maxRetainedBytes?: number;
  /**
   * The largest request accepted, compressed or not, in bytes. A gzip/deflate
   * request is inflated in chunks and refused with RESOURCE_EXHAUSTED as soon as
   * its output passes this size, so a compression bomb never inflates in full.
   * Default 16 MiB (an OTLP batch of 4,096 spans is about 1-2 MiB).
   */
  maxRequestBytes?: number;
}

/** The bounds a receiver runs with (its options with the defaults filled in). */
export interface ReceiverLimits {
  /** See {@link OtlpReceiverOptions.maxRetained}. */
  readonly maxRetained: number;
  /** See {@link OtlpReceiverOptions.maxRetainedBytes}. */
  readonly maxRetainedBytes: number;
  /** See {@link OtlpReceiverOptions.maxRequestBytes}. */
  readonly maxRequestBytes: number;
}

/** Counts of requests, spans, points or bytes. */
export interface ReceiverCounts {
  /** Export calls (one request message each). */
  requests: number;
  /** Request bytes, decompressed. */
  bytes: number;
  /** Spans. */
  spans: number;
  /** Metric data points. */
  points: number;
}

/** What a receiver took in, refused, keeps and forgot: see {@link OtlpReceiver.stats}. */
export interface ReceiverStats {
  /** Requests that reached the handler and decoded, injected failures included. */
  received: ReceiverCounts;
  /** Requests refused before decoding: over `maxRequestBytes` (RESOURCE_EXHAUSTED). */
  refusedTooLarge: number;
  /** Requests refused as malformed: bad protobuf, bad compression, values nested too deep. */
  refusedMalformed: number;
  /** What the receiver holds now for `spans()`, `metricPoints()`, `exportCalls()`, `rawRequests()`. */
  retained: ReceiverCounts;
  /** What it forgot (oldest first) to stay under `maxRetained` / `maxRetainedBytes`. */
  evicted: ReceiverCounts;
}
