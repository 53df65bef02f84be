import * as grpc from '@grpc/grpc-js';
import { CollectorError } from './collector-error';
import { ENCODING_METADATA_KEY, compressionInterceptor } from './compression-interceptor';
import { formatAttributeValue } from './format-attribute';
import { decodeMetricsRequest, decodeTraceRequest } from './otlp-decode';
import { loadOtlpServices } from './otlp-proto';
import type { RawAndDecoded } from './otlp-proto';
import type {
  ExportCall,
  ExportService,
  OtlpReceiverOptions,
  ReceivedMetricPoint,
  ReceivedSpan,
  ReceiverFaults,
} from './received-types';

/** How long `stop()` lets in-flight calls finish before it cuts connections. */
const GRACEFUL_STOP_MS = 500;

/** Default timeout of the `waitFor…` helpers. */
const DEFAULT_WAIT_MS = 5000;

/** OTLP batches can exceed grpc-js's 4 MiB default; a local receiver should not reject them. */
const MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

/** Most lines a timeout message lists before it summarises the rest. */
const MAX_LISTED = 40;

interface Waiter {
  /** Resolves the wait and returns true once its condition holds. */
  readonly check: () => boolean;
  readonly fail: (error: CollectorError) => void;
}

interface PendingCall {
  readonly timer: NodeJS.Timeout;
  readonly finish: () => void;
}

type UnaryCall = grpc.ServerUnaryCall<RawAndDecoded, object>;

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

/** Keeps the newest `max` entries: one splice per export call, not per item. */
function pushBounded<T>(list: T[], items: readonly T[], max: number): void {
  list.push(...items);
  if (list.length > max) list.splice(0, list.length - max);
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
  private readonly options: OtlpReceiverOptions;
  private readonly maxRetained: number;
  private faults: ReceiverFaults;
  private failuresLeft: number;
  private receivedSpans: ReceivedSpan[] = [];
  private receivedPoints: ReceivedMetricPoint[] = [];
  private calls: ExportCall[] = [];
  private raw: Buffer[] = [];
  private waiters = new Set<Waiter>();
  private pending = new Set<PendingCall>();
  private stopped = false;

  private constructor(
    server: grpc.Server,
    port: number,
    endpoint: string,
    options: OtlpReceiverOptions,
  ) {
    this.server = server;
    this.port = port;
    this.endpoint = endpoint;
    this.options = options;
    this.maxRetained = options.maxRetained ?? Number.POSITIVE_INFINITY;
    this.faults = { ...options.faults };
    this.failuresLeft = options.faults?.failFirst ?? 0;
  }

  /**
   * Starts a receiver and resolves once it accepts connections.
   *
   * @throws {@link CollectorError} `FLOWGEN_COLLECTOR_LISTEN` when the port cannot be bound.
   */
  static async start(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
    const host = options.host ?? '127.0.0.1';
    const requestedPort = options.port ?? 0;
    const services = loadOtlpServices();
    const server = new grpc.Server({
      interceptors: [compressionInterceptor],
      'grpc.max_receive_message_length': MAX_RECEIVE_BYTES,
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

    // The handlers need the instance, which needs the bound port: bind to a holder first.
    const holder: { receiver?: OtlpReceiver } = {};
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
    const receiver = new OtlpReceiver(server, port, `${scheme}://${hostPort(host, port)}`, options);
    holder.receiver = receiver;
    return receiver;
  }

  /** Every span received by a successful export call, in arrival order. */
  spans(): ReceivedSpan[] {
    return [...this.receivedSpans];
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

  /** Forgets everything received so far (spans, points, calls, raw requests); faults are kept. */
  reset(): void {
    this.receivedSpans = [];
    this.receivedPoints = [];
    this.calls = [];
    this.raw = [];
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
      () => (done(this.receivedSpans) ? this.spans() : undefined),
      timeoutMs,
      () =>
        `Timed out after ${timeoutMs} ms waiting for ${what}; received ${this.receivedSpans.length} span(s) ` +
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
          const found = probe();
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
    pushBounded(this.raw, [raw], this.maxRetained);

    let spans: ReceivedSpan[] = [];
    let points: ReceivedMetricPoint[] = [];
    try {
      if (service === 'traces') spans = decodeTraceRequest(decoded);
      else points = decodeMetricsRequest(decoded);
    } catch (error) {
      callback({
        code: grpc.status.INVALID_ARGUMENT,
        details: `flowgen OTLP receiver could not decode the request: ${String(error)}`,
      });
      return;
    }

    // Decide the fault on arrival, so failFirst counts calls in the order they came in.
    const failCode =
      this.failuresLeft > 0 ? (this.faults.failCode ?? grpc.status.UNAVAILABLE) : undefined;
    if (failCode !== undefined) this.failuresLeft--;

    const record: ExportCall = {
      service,
      ...(service === 'traces' ? { spans: spans.length } : { points: points.length }),
      metadata,
      compressed: compressed ?? metadata[ENCODING_METADATA_KEY] !== 'identity',
      bytes: raw.length,
      at: Date.now(),
      ...(failCode !== undefined ? { failed: true, failCode } : {}),
    };
    pushBounded(this.calls, [record], this.maxRetained);

    const finish = (): void => {
      if (failCode !== undefined) {
        callback({
          code: failCode,
          details: 'flowgen OTLP receiver: injected fault (ReceiverFaults.failFirst)',
        });
        return;
      }
      this.accept(service, spans, points, record);
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

  private accept(
    service: ExportService,
    spans: ReceivedSpan[],
    points: ReceivedMetricPoint[],
    record: ExportCall,
  ): void {
    if (service === 'traces') pushBounded(this.receivedSpans, spans, this.maxRetained);
    else pushBounded(this.receivedPoints, points, this.maxRetained);
    for (const waiter of [...this.waiters]) waiter.check();
    try {
      if (service === 'traces') this.options.onTrace?.(spans, record);
      else this.options.onMetrics?.(points, record);
    } catch (error) {
      // A listener bug must not fail the exporter's call nor crash the process hosting the receiver.
      process.emitWarning(
        `flowgen OTLP receiver: the ${service === 'traces' ? 'onTrace' : 'onMetrics'} listener threw: ${String(error)}`,
      );
    }
  }
}
