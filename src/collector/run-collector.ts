import { JsonlSink } from './jsonl-sink';
import { metricSeriesKey, renderMetrics } from './metric-table';
import { OtlpReceiver } from './otlp-receiver';
import type {
  ExportCall,
  ReceivedMetricPoint,
  ReceivedSpan,
  ReceiverStats,
} from './received-types';
import { renderTraces } from './trace-tree';

/** Options of {@link runCollector}. */
export interface RunCollectorOptions {
  /** Port to listen on; default 4317 (the OTLP/gRPC port). `0` picks a free one. */
  port?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** When set, every span and metric point is also appended to this file as JSON lines. */
  jsonl?: string;
  /** Where trace trees and metric tables are printed (e.g. `process.stdout`). */
  out: NodeJS.WritableStream;
  /** A trace is printed once no span arrived for it for this long; default 1000 ms. */
  traceIdleMs?: number;
  /**
   * A trace that keeps receiving spans is printed anyway this long after its
   * first span; later spans start a new part. Default 60,000 ms.
   */
  traceMaxWaitMs?: number;
  /** Spans held for one trace until it prints; more are dropped and counted. Default 10,000. */
  maxSpansPerTrace?: number;
  /** Spans held across all waiting traces; beyond it the oldest trace prints early. Default 100,000. */
  maxPendingSpans?: number;
  /** Request bytes held across all waiting traces; beyond it the oldest trace prints early. Default 64 MiB. */
  maxPendingBytes?: number;
  /** Metric series in the printed table; points of further series are dropped and counted. Default 10,000. */
  maxMetricSeries?: number;
  /** The receiver's largest request in bytes (see `OtlpReceiverOptions.maxRequestBytes`). */
  maxRequestBytes?: number;
  /** ANSI colours in the output; default false. */
  color?: boolean;
  /** Width of the waterfall column; default 40. */
  width?: number;
}

/** The bounds a collector runs with (its options with the defaults filled in). */
export interface CollectorLimits {
  readonly traceIdleMs: number;
  readonly traceMaxWaitMs: number;
  readonly maxSpansPerTrace: number;
  readonly maxPendingSpans: number;
  readonly maxPendingBytes: number;
  readonly maxMetricSeries: number;
}

/** What a running collector printed, holds and dropped. */
export interface CollectorStats {
  /** Trace trees printed (a trace printed in parts counts once per part). */
  printedTraces: number;
  /** Of those, printed before going idle: over `maxPendingSpans`/`maxPendingBytes` or `traceMaxWaitMs`. */
  printedEarly: number;
  /** Spans not printed because their trace already held `maxSpansPerTrace`. */
  droppedSpans: number;
  /** Metric points not shown because the table already held `maxMetricSeries` series. */
  droppedPoints: number;
  /** Traces waiting to be printed, and the spans and request bytes they hold. */
  pendingTraces: number;
  pendingSpans: number;
  pendingBytes: number;
  /** Trees that failed to print (the error is printed instead; the collector goes on). */
  printFailures: number;
  /** The receiver's own counts (refused requests, retained and evicted bytes). */
  receiver: ReceiverStats;
}

/** A running `flowgen collector`. */
export interface RunningCollector {
  /** The receiver, e.g. for its `endpoint` or to inspect what arrived. */
  readonly receiver: OtlpReceiver;
  /** The bounds in force. */
  readonly limits: CollectorLimits;
  /** What was printed, is held and was dropped so far. */
  stats(): CollectorStats;
  /** Stops the receiver, then prints every trace still waiting and a summary of what was dropped. */
  close(): Promise<void>;
}

/**
 * The receiver's own lists serve `receiver.spans()` for a caller that inspects
 * a running collector; the collector itself prints from its pending traces, so
 * the receiver keeps only a little.
 */
const RETAINED = 10_000;
const RETAINED_BYTES = 8 * 1024 * 1024;

/** How often, at most, refused requests are reported while running. */
const REFUSAL_NOTICE_MS = 5_000;

const DEFAULTS: CollectorLimits = {
  traceIdleMs: 1000,
  traceMaxWaitMs: 60_000,
  maxSpansPerTrace: 10_000,
  maxPendingSpans: 100_000,
  maxPendingBytes: 64 * 1024 * 1024,
  maxMetricSeries: 10_000,
};

interface PendingTrace {
  readonly traceId: string;
  readonly spans: ReceivedSpan[];
  readonly timer: NodeJS.Timeout;
  readonly firstAt: number;
  bytes: number;
  dropped: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value > 0)) {
    throw new RangeError(
      `runCollector option ${name} must be a positive integer, got ${String(value)}; ` +
        `leave it out for the default ${fallback}.`,
    );
  }
  return value;
}

/** Resolves the options' limits against the defaults; throws a RangeError naming a bad one. */
function limitsOf(options: RunCollectorOptions): CollectorLimits {
  return {
    traceIdleMs: positive('traceIdleMs', options.traceIdleMs, DEFAULTS.traceIdleMs),
    traceMaxWaitMs: positive('traceMaxWaitMs', options.traceMaxWaitMs, DEFAULTS.traceMaxWaitMs),
    maxSpansPerTrace: positive(
      'maxSpansPerTrace',
      options.maxSpansPerTrace,
      DEFAULTS.maxSpansPerTrace,
    ),
    maxPendingSpans: positive('maxPendingSpans', options.maxPendingSpans, DEFAULTS.maxPendingSpans),
    maxPendingBytes: positive('maxPendingBytes', options.maxPendingBytes, DEFAULTS.maxPendingBytes),
    maxMetricSeries: positive('maxMetricSeries', options.maxMetricSeries, DEFAULTS.maxMetricSeries),
  };
}

/** The one-line summary printed on close (and usable by a caller). */
export function describeCollectorStats(stats: CollectorStats): string {
  const r = stats.receiver;
  return (
    `flowgen collector: received ${r.received.spans} span(s) and ${r.received.points} metric point(s) ` +
    `in ${r.received.requests} request(s); printed ${stats.printedTraces} trace(s) ` +
    `(${stats.printedEarly} before idle); dropped ${stats.droppedSpans} span(s) over the per-trace limit ` +
    `and ${stats.droppedPoints} point(s) over the series limit; refused ${r.refusedTooLarge} request(s) ` +
    `over the size limit and ${r.refusedMalformed} malformed.`
  );
}

/**
 * Runs the local collector behind `flowgen collector`: an OTLP/gRPC receiver
 * that prints each trace as a tree once it is finished (no new span for
 * `traceIdleMs`, or on close), prints the metrics table on each metrics export,
 * and optionally appends everything to a JSONL file.
 *
 * Whatever clients send, what it holds is bounded: spans per trace (more are
 * dropped and counted), spans and bytes across waiting traces (the oldest trace
 * is printed early), the waiting time of a trace that never goes idle, metric
 * series, and the receiver's request size and retained bytes. A tree that fails
 * to print is reported and skipped; nothing thrown from a timer ends the process.
 *
 * @throws {@link CollectorError} `FLOWGEN_COLLECTOR_LISTEN` when the port is taken.
 * @throws RangeError when a limit option is not a positive integer.
 *
 * @example
 * ```ts
 * const collector = await runCollector({ port: 4317, out: process.stdout });
 * process.once('SIGINT', () => void collector.close());
 * ```
 */
export async function runCollector(options: RunCollectorOptions): Promise<RunningCollector> {
  const { out } = options;
  const limits = limitsOf(options);
  const renderOptions = {
    color: options.color ?? false,
    ...(options.width !== undefined ? { width: options.width } : {}),
  };
  const sink = options.jsonl !== undefined ? new JsonlSink(options.jsonl) : undefined;
  // Insertion order is arrival order of each trace's first span: the first entry is the oldest.
  const pending = new Map<string, PendingTrace>();
  const latestPoints = new Map<string, ReceivedMetricPoint>();
  const counts = {
    printedTraces: 0,
    printedEarly: 0,
    droppedSpans: 0,
    droppedPoints: 0,
    pendingSpans: 0,
    pendingBytes: 0,
    printFailures: 0,
  };

  const printTrace = (traceId: string, early: boolean): void => {
    const entry = pending.get(traceId);
    if (!entry) return;
    clearTimeout(entry.timer);
    pending.delete(traceId);
    counts.pendingSpans -= entry.spans.length;
    counts.pendingBytes -= entry.bytes;
    counts.printedTraces++;
    if (early) counts.printedEarly++;
    try {
      const dropped =
        entry.dropped > 0
          ? `\n⚠ ${entry.dropped} more span(s) of trace ${traceId} dropped: ` +
            `over ${limits.maxSpansPerTrace} spans per trace (--max-spans-per-trace)`
          : '';
      const note = early ? `\n(printed before the trace went idle; later spans print apart)` : '';
      out.write(`${renderTraces(entry.spans, renderOptions)}${dropped}${note}\n\n`);
    } catch (error) {
      // Runs from a timer: a throw here would end the process. Report and go on.
      counts.printFailures++;
      try {
        out.write(`flowgen collector: could not print trace ${traceId}: ${String(error)}\n\n`);
      } catch {
        // The output itself is gone: counted in printFailures and the summary.
      }
    }
  };

  const add = (span: ReceivedSpan, bytes: number, now: number): void => {
    let entry = pending.get(span.traceId);
    if (entry && now - entry.firstAt >= limits.traceMaxWaitMs) {
      printTrace(span.traceId, true);
      entry = undefined;
    }
    if (!entry) {
      const traceId = span.traceId;
      const timer = setTimeout(() => printTrace(traceId, false), limits.traceIdleMs);
      // Waiting to print must not keep a process alive that is otherwise done.
      timer.unref();
      entry = { traceId, spans: [], timer, firstAt: now, bytes: 0, dropped: 0 };
      pending.set(traceId, entry);
    } else {
      entry.timer.refresh();
    }
    if (entry.spans.length >= limits.maxSpansPerTrace) {
      entry.dropped++;
      counts.droppedSpans++;
      return;
    }
    entry.spans.push(span);
    entry.bytes += bytes;
    counts.pendingSpans++;
    counts.pendingBytes += bytes;
  };

  const onTrace = (spans: ReceivedSpan[], call: ExportCall): void => {
    sink?.writeSpans(spans);
    // What a span costs to hold, measured as its share of the request bytes.
    const perSpan = spans.length > 0 ? call.bytes / spans.length : 0;
    const now = Date.now();
    for (const span of spans) add(span, perSpan, now);
    while (
      pending.size > 0 &&
      (counts.pendingSpans > limits.maxPendingSpans || counts.pendingBytes > limits.maxPendingBytes)
    ) {
      const oldest = pending.keys().next().value as string;
      printTrace(oldest, true);
    }
  };

  const onMetrics = (points: ReceivedMetricPoint[]): void => {
    sink?.writeMetricPoints(points);
    for (const p of points) {
      const key = metricSeriesKey(p);
      if (latestPoints.has(key) || latestPoints.size < limits.maxMetricSeries) {
        latestPoints.set(key, p);
      } else {
        counts.droppedPoints++;
      }
    }
    const at = new Date().toISOString();
    out.write(`metrics @ ${at}\n${renderMetrics([...latestPoints.values()], renderOptions)}\n\n`);
  };

  const receiver = await OtlpReceiver.start({
    port: options.port ?? 4317,
    host: options.host ?? '127.0.0.1',
    onTrace,
    onMetrics,
    maxRetained: RETAINED,
    maxRetainedBytes: RETAINED_BYTES,
    ...(options.maxRequestBytes !== undefined ? { maxRequestBytes: options.maxRequestBytes } : {}),
  });
  out.write(
    `flowgen collector: OTLP/gRPC traces and metrics on ${receiver.endpoint}` +
      `${sink ? `, appending to ${sink.file}` : ''}\n\n`,
  );

  const stats = (): CollectorStats => ({
    ...counts,
    pendingBytes: Math.round(counts.pendingBytes),
    pendingTraces: pending.size,
    receiver: receiver.stats(),
  });

  // Refused requests never reach a tree: say so as they happen, at most once per interval.
  let refusedSeen = 0;
  const notice = setInterval(() => {
    const r = receiver.stats();
    const refused = r.refusedTooLarge + r.refusedMalformed;
    if (refused === refusedSeen) return;
    refusedSeen = refused;
    try {
      out.write(
        `flowgen collector: refused ${r.refusedTooLarge} request(s) over ${receiver.limits.maxRequestBytes} bytes ` +
          `(--max-request-bytes) and ${r.refusedMalformed} malformed so far\n\n`,
      );
    } catch {
      // A closed output must not end the process from a timer; the summary on close says it again.
    }
  }, REFUSAL_NOTICE_MS);
  notice.unref();

  let closing: Promise<void> | undefined;
  return {
    receiver,
    limits,
    stats,
    close: () => {
      closing ??= (async () => {
        clearInterval(notice);
        await receiver.stop();
        // Oldest trace first, as they would have been printed had they gone idle.
        const order = [...pending.values()].sort((a, b) => {
          const sa = a.spans[0]?.startTimeUnixNano ?? 0n;
          const sb = b.spans[0]?.startTimeUnixNano ?? 0n;
          return sa < sb ? -1 : sa > sb ? 1 : 0;
        });
        for (const entry of order) printTrace(entry.traceId, false);
        out.write(`${describeCollectorStats(stats())}\n`);
      })();
      return closing;
    },
  };
}
