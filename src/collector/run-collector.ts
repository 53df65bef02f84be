import { JsonlSink } from './jsonl-sink';
import { metricSeriesKey, renderMetrics } from './metric-table';
import { OtlpReceiver } from './otlp-receiver';
import type { ReceivedMetricPoint, ReceivedSpan } from './received-types';
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
  /** ANSI colours in the output; default false. */
  color?: boolean;
  /** Width of the waterfall column; default 40. */
  width?: number;
}

/** A running `flowgen collector`. */
export interface RunningCollector {
  /** The receiver, e.g. for its `endpoint` or to inspect what arrived. */
  readonly receiver: OtlpReceiver;
  /** Stops the receiver, then prints every trace still waiting for its idle time. */
  close(): Promise<void>;
}

/**
 * A long-running process keeps only this many spans/points in the receiver's
 * lists; what is printed and written to JSONL is not affected by the bound.
 */
const RETAINED = 100_000;

/**
 * Runs the local collector behind `flowgen collector`: an OTLP/gRPC receiver
 * that prints each trace as a tree once it is finished (no new span for
 * `traceIdleMs`, or on close), prints the metrics table on each metrics export,
 * and optionally appends everything to a JSONL file.
 *
 * @throws {@link CollectorError} `FLOWGEN_COLLECTOR_LISTEN` when the port is taken.
 *
 * @example
 * ```ts
 * const collector = await runCollector({ port: 4317, out: process.stdout });
 * process.once('SIGINT', () => void collector.close());
 * ```
 */
export async function runCollector(options: RunCollectorOptions): Promise<RunningCollector> {
  const { out } = options;
  const idleMs = options.traceIdleMs ?? 1000;
  const renderOptions = {
    color: options.color ?? false,
    ...(options.width !== undefined ? { width: options.width } : {}),
  };
  const sink = options.jsonl !== undefined ? new JsonlSink(options.jsonl) : undefined;
  const pending = new Map<string, { spans: ReceivedSpan[]; timer: NodeJS.Timeout }>();
  const latestPoints = new Map<string, ReceivedMetricPoint>();

  const printTrace = (traceId: string): void => {
    const entry = pending.get(traceId);
    if (!entry) return;
    clearTimeout(entry.timer);
    pending.delete(traceId);
    out.write(`${renderTraces(entry.spans, renderOptions)}\n\n`);
  };

  const onTrace = (spans: ReceivedSpan[]): void => {
    sink?.writeSpans(spans);
    for (const span of spans) {
      const entry = pending.get(span.traceId);
      if (entry) {
        entry.spans.push(span);
        entry.timer.refresh();
      } else {
        const timer = setTimeout(() => printTrace(span.traceId), idleMs);
        // Waiting to print must not keep a process alive that is otherwise done.
        timer.unref();
        pending.set(span.traceId, { spans: [span], timer });
      }
    }
  };

  const onMetrics = (points: ReceivedMetricPoint[]): void => {
    sink?.writeMetricPoints(points);
    for (const p of points) latestPoints.set(metricSeriesKey(p), p);
    const at = new Date().toISOString();
    out.write(`metrics @ ${at}\n${renderMetrics([...latestPoints.values()], renderOptions)}\n\n`);
  };

  const receiver = await OtlpReceiver.start({
    port: options.port ?? 4317,
    host: options.host ?? '127.0.0.1',
    onTrace,
    onMetrics,
    maxRetained: RETAINED,
  });
  out.write(
    `flowgen collector: OTLP/gRPC traces and metrics on ${receiver.endpoint}` +
      `${sink ? `, appending to ${sink.file}` : ''}\n\n`,
  );

  let closing: Promise<void> | undefined;
  return {
    receiver,
    close: () => {
      closing ??= (async () => {
        await receiver.stop();
        // Oldest trace first, as they would have been printed had they gone idle.
        const order = [...pending.entries()].sort(([, a], [, b]) => {
          const sa = a.spans[0]?.startTimeUnixNano ?? 0n;
          const sb = b.spans[0]?.startTimeUnixNano ?? 0n;
          return sa < sb ? -1 : sa > sb ? 1 : 0;
        });
        for (const [traceId] of order) printTrace(traceId);
      })();
      return closing;
    },
  };
}
