import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Counts the sampled spans started and not ended yet. At the end-of-run
 * report, those still open (a span a handler started and never ended before
 * the shutdown deadline abandoned it) will never be exported: the report
 * counts them as lost with the spans the exporter did not deliver.
 */
export class OpenSpanCounter implements SpanProcessor {
  private started = 0;
  private ended = 0;

  /** Sampled spans started and not ended. */
  get open(): number {
    return this.started - this.ended;
  }

  onStart(span: Span, _parentContext: Context): void {
    if (isSampled(span)) this.started++;
  }

  onEnd(span: ReadableSpan): void {
    if (isSampled(span)) this.ended++;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function isSampled(span: Span | ReadableSpan): boolean {
  return (span.spanContext().traceFlags & 1) === 1;
}
