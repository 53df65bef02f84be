import type { Counter, Histogram, Meter, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { DURATION_BUCKETS_SECONDS } from '../src/telemetry/span-metrics';
import type { WorkVariant } from './work';
import { SPAN_NAME, WORK_ATTRIBUTES, compute } from './work';

/**
 * The baseline: OpenTelemetry written by hand as its docs recommend —
 * `tracer.startActiveSpan` (the global context manager makes the span
 * active), `recordException` + status ERROR on failure, `span.end()` in
 * `finally`, plus the same three metrics the toolkit derives (a duration
 * histogram and the count / errors counters). Span options and attributes are
 * hoisted constants: the best a careful author would write.
 */
export class HandWrittenWork implements WorkVariant {
  private readonly tracer: Tracer;
  private readonly histogram: Histogram;
  private readonly count: Counter;
  private readonly errors: Counter;
  private readonly options: SpanOptions = { attributes: WORK_ATTRIBUTES };

  constructor(tracer: Tracer, meter: Meter) {
    this.tracer = tracer;
    this.histogram = meter.createHistogram(`${SPAN_NAME}.duration`, {
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
    });
    this.count = meter.createCounter(`${SPAN_NAME}.count`, { unit: '{invocation}' });
    this.errors = meter.createCounter(`${SPAN_NAME}.errors`, { unit: '{invocation}' });
  }

  work(x: number): Promise<number> {
    const started = performance.now();
    return this.tracer.startActiveSpan(SPAN_NAME, this.options, async (span) => {
      try {
        return compute(x);
      } catch (error) {
        this.fail(span, error);
        throw error;
      } finally {
        this.finish(span, started);
      }
    });
  }

  workSync(x: number): number {
    const started = performance.now();
    return this.tracer.startActiveSpan(SPAN_NAME, this.options, (span) => {
      try {
        return compute(x);
      } catch (error) {
        this.fail(span, error);
        throw error;
      } finally {
        this.finish(span, started);
      }
    });
  }

  /*
   * startActiveSpan cannot keep a span active inside a generator's body (the
   * body runs on each next(), after the callback returned), so the span is
   * made active around every step by hand, as the toolkit does.
   */
  async *workGen(x: number): AsyncGenerator<number> {
    const started = performance.now();
    const span = this.tracer.startSpan(SPAN_NAME, this.options);
    const active = trace.setSpan(context.active(), span);
    const inner = body(x);
    try {
      for (;;) {
        const step = await context.with(active, () => inner.next());
        if (step.done === true) return;
        yield step.value;
      }
    } catch (error) {
      this.fail(span, error);
      throw error;
    } finally {
      this.finish(span, started);
    }
  }

  private fail(span: Span, error: unknown): void {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    this.errors.add(1, WORK_ATTRIBUTES);
  }

  private finish(span: Span, started: number): void {
    span.end();
    this.histogram.record((performance.now() - started) / 1000, WORK_ATTRIBUTES);
    this.count.add(1, WORK_ATTRIBUTES);
  }
}

async function* body(x: number): AsyncGenerator<number> {
  yield compute(x);
  yield compute(x + 1);
  yield compute(x + 2);
}
