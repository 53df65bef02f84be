import { gunzipSync } from 'node:zlib';
import type { ReceivedMetricPoint, ReceivedSpan } from '../../../src/collector/received-types';

/** The spans named `name`. */
export function spansNamed(spans: readonly ReceivedSpan[], name: string): ReceivedSpan[] {
  return spans.filter((s) => s.name === name);
}

/** The `task.handle` spans of one service (`service.name`) and task. */
export function handlesOf(
  spans: readonly ReceivedSpan[],
  service: string,
  task: string,
): ReceivedSpan[] {
  return spans.filter(
    (s) =>
      s.name === 'task.handle' &&
      s.resource['service.name'] === service &&
      s.attributes.task === task,
  );
}

/** `startTimeUnixNano` as epoch milliseconds. */
export function startMs(span: ReceivedSpan): number {
  return Number(span.startTimeUnixNano / 1_000_000n);
}

/** The `task` attribute of a span or point, as a string. */
export function taskOf(item: { attributes: Record<string, unknown> }): string {
  return String(item.attributes['task']);
}

/**
 * The latest point of `name` per `task` attribute: with cumulative
 * temporality, the last export holds the totals of the run.
 */
export function latestPerTask(
  points: readonly ReceivedMetricPoint[],
  name: string,
): Map<string, ReceivedMetricPoint> {
  const latest = new Map<string, ReceivedMetricPoint>();
  for (const p of points) if (p.name === name) latest.set(taskOf(p), p);
  return latest;
}

/** gzip streams start with 1f 8b. */
function isGzip(buffer: Buffer): boolean {
  return buffer.length > 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
}

/**
 * Whether `needle` occurs in any buffer, searched both as stored and, for a
 * buffer that is itself a gzip stream, after gunzipping it (the receiver
 * already stores requests decompressed; this guards against that changing).
 */
export function rawContains(buffers: readonly Buffer[], needle: string): boolean {
  return buffers.some((b) => b.includes(needle) || (isGzip(b) && gunzipSync(b).includes(needle)));
}
