import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReceivedMetricPoint, ReceivedSpan } from './received-types';

/**
 * JSON.stringify replacer for received telemetry: `bigint` (nanosecond times,
 * large ints) becomes a decimal string and bytes become base64, so nothing
 * throws and nothing loses precision.
 */
export function telemetryJsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

/**
 * One JSON line for a span: `{"kind":"span",...span}`. The span's own `kind`
 * (OTLP SpanKind) would collide with the record kind, so it is written as `spanKind`.
 */
export function spanJsonLine(span: ReceivedSpan): string {
  const { kind: spanKind, ...rest } = span;
  return JSON.stringify({ kind: 'span', ...rest, spanKind }, telemetryJsonReplacer);
}

/** One JSON line for a metric point: `{"kind":"metric",...point}`. */
export function metricJsonLine(point: ReceivedMetricPoint): string {
  return JSON.stringify({ kind: 'metric', ...point }, telemetryJsonReplacer);
}

/**
 * Appends received spans and metric points to a file, one JSON object per line
 * (`{"kind":"span",…}` / `{"kind":"metric",…}`), for `jq`, a notebook or a later
 * diff. Each batch is one synchronous append: a line is on disk as soon as the
 * export call that carried it was answered, and a crash never leaves half a batch
 * interleaved with another.
 *
 * @example
 * ```ts
 * const sink = new JsonlSink('.flowgen/telemetry.jsonl');
 * const receiver = await OtlpReceiver.start({ onTrace: (s) => sink.writeSpans(s) });
 * ```
 */
export class JsonlSink {
  /** The file lines are appended to. */
  public readonly file: string;

  /** Creates the file's directory if needed; an existing file is appended to, never truncated. */
  constructor(file: string) {
    this.file = path.resolve(file);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
  }

  /** Appends one line per span. */
  writeSpans(spans: readonly ReceivedSpan[]): void {
    this.append(spans.map(spanJsonLine));
  }

  /** Appends one line per metric point. */
  writeMetricPoints(points: readonly ReceivedMetricPoint[]): void {
    this.append(points.map(metricJsonLine));
  }

  private append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    fs.appendFileSync(this.file, `${lines.join('\n')}\n`, 'utf8');
  }
}
