import type { Context } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import type {
  ReadableSpan,
  Span,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** A span exporter that drops everything at once: the providers' cost without any I/O. */
export class NoopSpanExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}
}

/**
 * Counts the spans handed to the exporter it wraps and the spans the exporter
 * reported as exported. The BatchSpanProcessor drops spans silently when its
 * queue is full: ended (see {@link CountingSpanProcessor}) minus offered is
 * the count it dropped.
 */
export class CountingSpanExporter implements SpanExporter {
  /** Spans passed to `export`. */
  public offered = 0;
  /** Spans whose export call reported success. */
  public exported = 0;
  /** Spans whose export call failed. */
  public failed = 0;
  /** Export calls made. */
  public calls = 0;

  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.calls++;
    this.offered += spans.length;
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.exported += spans.length;
      else this.failed += spans.length;
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** Counts every span that ended (it runs after the batch processor, so it sees all of them). */
export class CountingSpanProcessor implements SpanProcessor {
  /** Spans ended. */
  public ended = 0;

  onStart(_span: Span, _parent: Context): void {}

  onEnd(_span: ReadableSpan): void {
    this.ended++;
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
