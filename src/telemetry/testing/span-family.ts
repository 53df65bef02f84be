import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/*
 * Parent/child lookups over finished spans, by trace and span id (the SDK's
 * `parentSpanContext`), so a spec asserts the tree without comparing ids.
 */

/** The span in `spans` that is `span`'s parent; undefined for a root or a parent not among them. */
export function parentOf(
  span: ReadableSpan,
  spans: readonly ReadableSpan[],
): ReadableSpan | undefined {
  const parent = span.parentSpanContext;
  if (parent === undefined) return undefined;
  return spans.find(
    (s) => s.spanContext().spanId === parent.spanId && s.spanContext().traceId === parent.traceId,
  );
}

/** The spans in `spans` whose parent is `span`, in their order. */
export function childrenOf(span: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan[] {
  const { traceId, spanId } = span.spanContext();
  return spans.filter(
    (s) => s.parentSpanContext?.spanId === spanId && s.parentSpanContext.traceId === traceId,
  );
}
