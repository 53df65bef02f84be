import * as grpc from '@grpc/grpc-js';
import { CollectorError } from './collector-error';
import { ENCODING_METADATA_KEY, compressionInterceptor } from './compression-interceptor';
import { formatAttributeValue } from './format-attribute';
import { decodeMetricsRequest } from './otlp-decode';
import { loadOtlpServices } from './otlp-proto';
import type { RawAndDecoded } from './otlp-proto';
import type {
  ExportCall,
  ExportService,
  OtlpReceiverOptions,
  ReceivedMetricPoint,
  ReceivedSpan,
  ReceiverCounts,
  ReceiverFaults,
  ReceiverLimits,
  ReceiverStats,
} from './received-types';
import { decodeTraceRequestBytes } from './wire-trace-decode';
import { scanTraceRequest } from './wire-trace-scan';

/** How long `stop()` lets in-flight calls finish before it cuts connections. */
const GRACEFUL_STOP_MS = 500;

/** Default timeout of the `waitFor…` helpers. */
const DEFAULT_WAIT_MS = 5000;

/** Default largest request (see `OtlpReceiverOptions.maxRequestBytes`). */
export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** Default bytes of requests kept for `rawRequests()` and friends. */
export const DEFAULT_MAX_RETAINED_BYTES = 64 * 1024 * 1024;

/** Default count of spans, points, calls and raw requests kept. */
export const DEFAULT_MAX_RETAINED = 100_000;

/** Most lines a timeout message lists before it summarises the rest. */
const MAX_LISTED = 40;

interface Waiter {
  /** Resolves the wait and returns true once its condition holds. */
  readonly check: () => boolean;
  readonly fail: (error: Error) => void;
}

interface PendingCall {
  readonly timer: NodeJS.Timeout;
  readonly finish: () => void;
}

/** What one export call added to the retained lists, so it can be forgotten as a whole. */
interface Retained {
  readonly bytes: number;
  spans: number;
  points: number;
  evicted: boolean;
  /** Its spans are counted but not decoded yet (see `OtlpReceiver.decodedSpans`). */
  lazy: boolean;
}

/** An accepted trace request whose spans nobody has read yet. */
interface Undecoded {
  readonly entry: Retained;
  readonly raw: Buffer;
}

function zeroCounts(): ReceiverCounts {
  return { requests: 0, bytes: 0, spans: 0, points: 0 };
}

/** A positive integer option, or the default; a bad value is a programming error named in full. */
function limit(
  name: keyof OtlpReceiverOptions,
  value: number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value > 0) && value !== Number.POSITIVE_INFINITY) {
    throw new RangeError(
      `OtlpReceiver option ${name} must be a positive integer (or Infinity), got ${String(value)}; ` +
        `leave it out for the default ${fallback}.`,
    );
  }
  return value;
}

type UnaryCall = grpc.ServerUnaryCall<RawAndDecoded, object>;

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** `host:port` as gRPC and URLs want it: IPv6 literals in brackets. */
function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

function metadataRecord(metadata: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    out[key] = typeof value === 'string' ? value : value.toString('base64');
  }
  return out;
}

/** Appends without spreading: `push(...items)` overflows the stack for very large batches. */
function pushAll<T>(list: T[], items: readonly T[]): void {
  for (const item of items) list.push(item);
}

function describeSpans(spans: readonly ReceivedSpan[]): string {
  const lines = spans
    .slice(0, MAX_LISTED)
    .map(
      (s) =>
        `  - ${s.name} [trace ${s.traceId.slice(0, 8)}… span ${s.spanId.slice(0, 8)}…` +
        `${s.parentSpanId ? ` parent ${s.parentSpanId.slice(0, 8)}…` : ' root'}]`,
    );
  if (spans.length > MAX_LISTED) lines.push(`  … and ${spans.length - MAX_LISTED} more`);
  return lines.join('\n');
}

function describePoint(p: ReceivedMetricPoint): string {
  const attrs = Object.entries(p.attributes)
    .map(([k, v]) => `${k}=${formatAttributeValue(v)}`)
    .join(' ');
  const value =
    p.value !== undefined ? `value=${p.value}` : `count=${p.count ?? 0} sum=${p.sum ?? '?'}`;
  return `${p.name} (${p.type}) {${attrs}} ${value}`;
}

function describePoints(points: readonly ReceivedMetricPoint[]): string {
  // Latest point per series: that is what a reader compares against the expectation.
  const latest = new Map<string, { point: ReceivedMetricPoint; n: number }>();
  for (const p of points) {
    const key = `${p.name}\u0000${JSON.stringify(Object.entries(p.attributes).map(([k, v]) => [k, formatAttributeValue(v)]))}`;
    latest.set(key, { point: p, n: (latest.get(key)?.n ?? 0) + 1 });
  }
  const entries = [...latest.values()];
  const lines = entries
    .slice(0, MAX_LISTED)
    .map(({ point, n }) => `  - ${describePoint(point)} (latest of ${n} point(s))`);
  if (entries.length > MAX_LISTED) lines.push(`  … and ${entries.length - MAX_LISTED} more series`);
  return lines.join('\n');
}

/**
 * A local OTLP/gRPC receiver: the `TraceService` and `MetricsService` of an
 * OpenTelemetry collector, decoding everything it receives into plain objects
 * that specs assert on and the `flowgen collector` command prints.
 *
 * Real exporters talk to it over real gRPC (plaintext or TLS, gzip or not), so a
 * spec that passes here proves what would reach a real collector.
 *
 * @example
 * ```ts
 * const receiver = await OtlpReceiver.start();
 * const exporter = new OTLPTraceExporter({ url: receiver.endpoint });
 * // ... run code that traces, then flush the provider ...
 * const [span] = await receiver.waitForSpans(1, 2000);
 * expect(span.attributeTypes.task_id).to.equal('int');
 * await receiver.stop();
 * ```
 */
export class OtlpReceiver {
  /** The port the receiver listens on (the free port picked when started with `port: 0`). */
  public readonly port: number;
  /** The URL to give an OTLP/gRPC exporter: `http://host:port`, or `https://host:port` with TLS. */
  public readonly endpoint: string;

  private readonly server: grpc.Server;
  /** The bounds this receiver runs with. */
  public readonly limits: ReceiverLimits;

  private readonly options: OtlpReceiverOptions;
  private faults: ReceiverFaults;
  private failuresLeft: number;
  private receivedSpans: ReceivedSpan[] = [];
  private undecoded: Undecoded[] = [];
  private undecodedSpans = 0;
  private receivedPoints: ReceivedMetricPoint[] = [];
  private calls: ExportCall[] = [];
  private raw: Buffer[] = [];
  private retainedEntries: Retained[] = [];
  private retainedBytes = 0;
  private readonly counts = {
    received: zeroCounts(),
    refusedTooLarge: 0,
    refusedMalformed: 0,
    evicted: zeroCounts(),
  };
  private waiters = new Set<Waiter>();
  private pending = new Set<PendingCall>();
  private stopped = false;

  private constructor(
    server: grpc.Server,
    port: number,
    endpoint: string,
    options: OtlpReceiverOptions,
    limits: ReceiverLimits,
  ) {
    this.server = server;
    this.port = port;
    this.endpoint = endpoint;
    this.options = options;
    this.limits = limits;
    this.faults = { ...options.faults };
    this.failuresLeft = options.faults?.failFirst ?? 0;
  }

  /**
   * Starts a receiver and resolves once it accepts connections.
   *
   * @throws {@link CollectorError} `FLOWGEN_COLLECTOR_LISTEN` when the port cannot be bound.
   * @throws RangeError when a limit option is not a positive integer.
   */
  static async start(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
    const host = options.host ?? '127.0.0.1';
    const requestedPort = options.port ?? 0;
    const limits: ReceiverLimits = {
      maxRetained: limit('maxRetained', options.maxRetained, DEFAULT_MAX_RETAINED),
      maxRetainedBytes: limit(
        'maxRetainedBytes',
        options.maxRetainedBytes,
        DEFAULT_MAX_RETAINED_BYTES,
      ),
      maxRequestBytes: limit('maxRequestBytes', options.maxRequestBytes, DEFAULT_MAX_REQUEST_BYTES),
    };
    const services = loadOtlpServices();
    // The handlers need the instance, which needs the bound port: bind to a holder first.
    const holder: { receiver?: OtlpReceiver } = {};
    const server = new grpc.Server({
      interceptors: [compressionInterceptor((code) => holder.receiver?.countRefusal(code))],
      // grpc-js checks this on the frame and while inflating, chunk by chunk (-1 = no limit).
      'grpc.max_receive_message_length': Number.isFinite(limits.maxRequestBytes)
        ? limits.maxRequestBytes
        : -1,
    });
    const credentials = options.tls
      ? grpc.ServerCredentials.createSsl(
          null,
          [
            {
              cert_chain: Buffer.from(options.tls.cert),
              private_key: Buffer.from(options.tls.key),
            },
          ],
          false,
        )
      : grpc.ServerCredentials.createInsecure();

    const handler =
      (service: ExportService): grpc.handleUnaryCall<RawAndDecoded, object> =>
      (call, callback) => {
        if (holder.receiver) holder.receiver.handle(service, call, callback);
        else callback({ code: grpc.status.UNAVAILABLE, details: 'receiver is starting' });
      };
    server.addService(services.trace, { Export: handler('traces') });
    server.addService(services.metrics, { Export: handler('metrics') });

    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(hostPort(host, requestedPort), credentials, (error, bound) => {
        if (error) {
          server.forceShutdown();
          reject(
            new CollectorError(
              'FLOWGEN_COLLECTOR_LISTEN',
              `The OTLP receiver could not listen on ${hostPort(host, requestedPort)}: ${error.message}. ` +
                'Pick another port (0 picks a free one) or stop whatever holds it.',
              { cause: error },
            ),
          );
        } else {
          resolve(bound);
        }
      });
    });
    const scheme = options.tls ? 'https' : 'http';
    const receiver = new OtlpReceiver(
      server,
      port,
      `${scheme}://${hostPort(host, port)}`,
      options,
      limits,
    );
    holder.receiver = receiver;
    return receiver;
  }

  /** Every span received by a successful export call, in arrival order. */
  spans(): ReceivedSpan[] {
    return [...this.decodedSpans()];
  }

  /** Every metric data point received by a successful export call, in arrival order; filtered by name if given. */
  metricPoints(name?: string): ReceivedMetricPoint[] {
    return name === undefined
      ? [...this.receivedPoints]
      : this.receivedPoints.filter((p) => p.name === name);
  }

  /** Every export call, including the ones failed by {@link ReceiverFaults} (`failed: true`). */
  exportCalls(): ExportCall[] {
    return this.calls.map((c) => ({ ...c, metadata: { ...c.metadata } }));
  }

  /** The protobuf bytes of every request received (after gRPC decompression), failed calls included. */
  rawRequests(): Buffer[] {
    return [...this.raw];
  }

  /** Replaces the fault injection; `failFirst` then counts from this call on. */
  setFaults(faults: ReceiverFaults): void {
    this.faults = { ...faults };
    this.failuresLeft = faults.failFirst ?? 0;
  }

  /**
   * What the receiver took in, refused, holds and forgot. `retained.bytes` is
   * what the byte bound applies to; `evicted` counts what `maxRetained` /
   * `maxRetainedBytes` made it forget (listeners saw all of it).
   */
  stats(): ReceiverStats {
    return {
      received: { ...this.counts.received },
      refusedTooLarge: this.counts.refusedTooLarge,
      refusedMalformed: this.counts.refusedMalformed,
      retained: {
        requests: this.retainedEntries.length,
        bytes: this.retainedBytes,
        spans: this.receivedSpans.length + this.undecodedSpans,
        points: this.receivedPoints.length,
      },
      evicted: { ...this.counts.evicted },
    };
  }

  /** Forgets everything received so far (spans, points, calls, raw requests); faults and stats are kept. */
  reset(): void {
    this.receivedSpans = [];
    this.undecoded = [];
    this.undecodedSpans = 0;
    this.receivedPoints = [];
    this.calls = [];
    this.raw = [];
    for (const entry of this.retainedEntries) entry.evicted = true;
    this.retainedEntries = [];
    this.retainedBytes = 0;
  }

  /**
   * Resolves with all spans received so far once there are at least `expected`
   * of them, or once `expected(spans)` returns true.
   *
   * @throws {@link CollectorError} `FLOWGEN_COLLECTOR_TIMEOUT` after `timeoutMs`, listing the spans that did arrive.
   */
  waitForSpans(
    expected: number | ((spans: readonly ReceivedSpan[]) => boolean),
    timeoutMs: number = DEFAULT_WAIT_MS,
  ): Promise<ReceivedSpan[]> {
    const done =
      typeof expected === 'number'
        ? (spans: readonly ReceivedSpan[]) => spans.length >= expected
        : expected;
    const what =
      typeof expected === 'number'
        ? `at least ${expected} span(s)`
        : 'spans matching the predicate';
    return this.waitFor(
      () => (done(this.decodedSpans()) ? this.spans() : undefined),
      timeoutMs,
      () =>
        `Timed out after ${timeoutMs} ms waiting for ${what}; received ${this.decodedSpans().length} span(s) ` +
        `in ${this.describeCalls('traces')}` +
        (this.receivedSpans.length > 0 ? `:\n${describeSpans(this.receivedSpans)}` : '.'),
    );
  }

  /**
   * Resolves with the latest point of metric `name` (that satisfies `predicate`, if given).
   *
   * @throws {@link CollectorError} `FLOWGEN_COLLECTOR_TIMEOUT` after `timeoutMs`, listing the metrics that did arrive.
   */
  waitForMetric(
    name: string,
    predicate?: (point: ReceivedMetricPoint) => boolean,
    timeoutMs: number = DEFAULT_WAIT_MS,
  ): Promise<ReceivedMetricPoint> {
    const find = (): ReceivedMetricPoint | undefined => {
      for (let i = this.receivedPoints.length - 1; i >= 0; i--) {
        const p = this.receivedPoints[i];
        if (p && p.name === name && (!predicate || predicate(p))) return p;
      }
      return undefined;
    };
    return this.waitFor(
      find,
      timeoutMs,
      () =>
        `Timed out after ${timeoutMs} ms waiting for metric "${name}"${predicate ? ' matching the predicate' : ''}; ` +
        `received ${this.receivedPoints.length} point(s) in ${this.describeCalls('metrics')}` +
        (this.receivedPoints.length > 0 ? `:\n${describePoints(this.receivedPoints)}` : '.'),
    );
  }

  /**
   * Stops the receiver: answers calls held by `delayMs` at once, lets in-flight
   * calls finish for up to 500 ms, then closes every connection. Pending
   * `waitFor…` promises reject with `FLOWGEN_COLLECTOR_STOPPED`. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const call of [...this.pending]) {
      clearTimeout(call.timer);
      call.finish();
    }
    for (const waiter of [...this.waiters]) {
      waiter.fail(
        new CollectorError(
          'FLOWGEN_COLLECTOR_STOPPED',
          'The OTLP receiver was stopped while waiting.',
        ),
      );
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, GRACEFUL_STOP_MS);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private describeCalls(service: ExportService): string {
    const calls = this.calls.filter((c) => c.service === service);
    const failed = calls.filter((c) => c.failed).length;
    return `${calls.length} ${service} export call(s) (${failed} failed)`;
  }

  private waitFor<T>(
    probe: () => T | undefined,
    timeoutMs: number,
    describe: () => string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const first = probe();
      if (first !== undefined) {
        resolve(first);
        return;
      }
      if (this.stopped) {
        reject(new CollectorError('FLOWGEN_COLLECTOR_STOPPED', 'The OTLP receiver is stopped.'));
        return;
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new CollectorError('FLOWGEN_COLLECTOR_TIMEOUT', describe()));
      }, timeoutMs);
      const waiter: Waiter = {
        check: () => {
          let found: T | undefined;
          try {
            found = probe();
          } catch (error) {
            // A caller's predicate that throws fails its own wait, never the export call
            // being answered (nor, from a delayed answer's timer, the process).
            waiter.fail(error instanceof CollectorError ? error : toError(error));
            return true;
          }
          if (found === undefined) return false;
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(found);
          return true;
        },
        fail: (error) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  private handle(
    service: ExportService,
    call: UnaryCall,
    callback: grpc.sendUnaryData<object>,
  ): void {
    const { raw, decoded, compressed } = call.request;
    const metadata = metadataRecord(call.metadata);
    metadata[ENCODING_METADATA_KEY] ??= 'identity';

    let spans: ReceivedSpan[] = [];
    let points: ReceivedMetricPoint[] = [];
    // Traces nobody reads on arrival (no listener, no pending wait) are only checked
    // and counted here; `spans()` decodes them when asked. The check applies the
    // decoder's rules, so what is accepted always decodes.
    const lazy = service === 'traces' && !this.options.onTrace && this.waiters.size === 0;
    let spanCount = 0;
    try {
      if (lazy) spanCount = scanTraceRequest(raw);
      else if (service === 'traces') spanCount = (spans = decodeTraceRequestBytes(raw)).length;
      else points = decodeMetricsRequest(decoded);
    } catch (error) {
      this.counts.refusedMalformed++;
      callback({
        code: grpc.status.INVALID_ARGUMENT,
        details: `flowgen OTLP receiver could not decode the ${service} request: ${String(error)}`,
      });
      return;
    }
    const received = this.counts.received;
    received.requests++;
    received.bytes += raw.length;
    received.spans += spanCount;
    received.points += points.length;

    // Decide the fault on arrival, so failFirst counts calls in the order they came in.
    const failCode =
      this.failuresLeft > 0 ? (this.faults.failCode ?? grpc.status.UNAVAILABLE) : undefined;
    if (failCode !== undefined) this.failuresLeft--;

    const record: ExportCall = {
      service,
      ...(service === 'traces' ? { spans: spanCount } : { points: points.length }),
      metadata,
      compressed: compressed ?? metadata[ENCODING_METADATA_KEY] !== 'identity',
      bytes: raw.length,
      at: Date.now(),
      ...(failCode !== undefined ? { failed: true, failCode } : {}),
    };
    const entry: Retained = {
      bytes: raw.length,
      spans: 0,
      points: 0,
      evicted: false,
      lazy: false,
    };
    this.retainedEntries.push(entry);
    this.retainedBytes += raw.length;
    this.raw.push(raw);
    this.calls.push(record);
    this.evictOverBounds();

    const finish = (): void => {
      if (failCode !== undefined) {
        callback({
          code: failCode,
          details: 'flowgen OTLP receiver: injected fault (ReceiverFaults.failFirst)',
        });
        return;
      }
      this.accept(service, lazy ? { raw, count: spanCount } : spans, points, record, entry);
      callback(null, {});
    };

    const delayMs = this.faults.delayMs ?? 0;
    if (delayMs <= 0) {
      finish();
      return;
    }
    const pending: PendingCall = {
      timer: setTimeout(() => {
        this.pending.delete(pending);
        finish();
      }, delayMs),
      finish,
    };
    this.pending.add(pending);
  }

  /** Counts a request grpc-js refused before the handler (see the compression interceptor). */
  private countRefusal(code: grpc.status): void {
    if (code === grpc.status.RESOURCE_EXHAUSTED) this.counts.refusedTooLarge++;
    else if (code !== grpc.status.CANCELLED) this.counts.refusedMalformed++;
  }

  /** Forgets the oldest whole requests until every retention bound holds again. */
  private evictOverBounds(): void {
    const { maxRetained, maxRetainedBytes } = this.limits;
    let requests = 0;
    let spans = 0;
    let points = 0;
    let bytes = 0;
    let lazySpans = 0;
    let n = 0;
    const entries = this.retainedEntries;
    while (
      n < entries.length &&
      (this.retainedBytes - bytes > maxRetainedBytes ||
        entries.length - n > maxRetained ||
        this.receivedSpans.length + this.undecodedSpans - spans > maxRetained ||
        this.receivedPoints.length - points > maxRetained)
    ) {
      const entry = entries[n++]!;
      entry.evicted = true;
      requests++;
      bytes += entry.bytes;
      spans += entry.spans;
      points += entry.points;
      if (entry.lazy) lazySpans += entry.spans;
    }
    if (n === 0) return;
    // One splice per list per call, not per item.
    entries.splice(0, n);
    this.raw.splice(0, n);
    this.calls.splice(0, n);
    if (lazySpans > 0) {
      this.undecoded = this.undecoded.filter((u) => !u.entry.evicted);
      this.undecodedSpans -= lazySpans;
    }
    this.receivedSpans.splice(0, spans - lazySpans);
    this.receivedPoints.splice(0, points);
    this.retainedBytes -= bytes;
    const evicted = this.counts.evicted;
    evicted.requests += requests;
    evicted.bytes += bytes;
    evicted.spans += spans;
    evicted.points += points;
  }

  /**
   * The retained spans, decoding first the requests accepted without decoding
   * (they passed `scanTraceRequest`, so this does not throw).
   */
  private decodedSpans(): ReceivedSpan[] {
    if (this.undecoded.length > 0) {
      for (const { entry, raw } of this.undecoded) {
        pushAll(this.receivedSpans, decodeTraceRequestBytes(raw));
        entry.lazy = false;
      }
      this.undecoded = [];
      this.undecodedSpans = 0;
    }
    return this.receivedSpans;
  }

  private accept(
    service: ExportService,
    spans: ReceivedSpan[] | { raw: Buffer; count: number },
    points: ReceivedMetricPoint[],
    record: ExportCall,
    entry: Retained,
  ): void {
    const spanCount = Array.isArray(spans) ? spans.length : spans.count;
    if (entry.evicted) {
      // Forgotten before its answer (a delayed call under heavy traffic): listeners still see it.
      this.counts.evicted.spans += spanCount;
      this.counts.evicted.points += points.length;
    } else {
      if (Array.isArray(spans)) {
        // Keep acceptance order: requests accepted undecoded before this one come first.
        if (this.undecoded.length > 0) this.decodedSpans();
        pushAll(this.receivedSpans, spans);
      } else {
        this.undecoded.push({ entry, raw: spans.raw });
        this.undecodedSpans += spans.count;
        entry.lazy = true;
      }
      pushAll(this.receivedPoints, points);
      entry.spans = spanCount;
      entry.points = points.length;
      this.evictOverBounds();
    }
    for (const waiter of [...this.waiters]) waiter.check();
    try {
      if (service === 'traces') {
        if (Array.isArray(spans)) this.options.onTrace?.(spans, record);
      } else this.options.onMetrics?.(points, record);
    } catch (error) {
      // A listener bug must not fail the exporter's call nor crash the process hosting the receiver.
      process.emitWarning(
        `flowgen OTLP receiver: the ${service === 'traces' ? 'onTrace' : 'onMetrics'} listener threw: ${String(error)}`,
      );
    }
  }
}
