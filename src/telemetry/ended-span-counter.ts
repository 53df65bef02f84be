import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Counts the sampled spans that ended, so that spans the batch processor
 * drops silently when its queue is full can be told apart from those that
 * were exported: after the final flush, dropped = ended - exported - failed.
 */
export class EndedSpanCounter implements SpanProcessor {
  /** Sampled spans ended so far. */
  public ended = 0;

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 1) this.ended++;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
