import type { Attributes, SpanOptions, Tracer } from '@opentelemetry/api';
import type { DurationRecorder } from './duration-recorder';
import { SpanKind } from '@opentelemetry/api';
import { ATTR_ATTEMPTS } from './span-names';

/**
 * One place that makes spans: a span name with a fixed attribute set (for
 * example `task.handle` of task `enrich`, id 1, type `script`). Everything a
 * call needs is computed once here, so the per-call path allocates only the
 * span itself: the frozen attribute set, the span options, the duration
 * recorder, and the two invocation counters that the meter reads on collect.
 */
export class SpanSite {
  /** Span options passed to every `startSpan` of this site. */
  public readonly spanOptions: SpanOptions;
  /**
   * The same options with `flowgen.attempts` = 1 among the attributes: a
   * handler called without a policy runs once, and setting it at start saves
   * a `setAttribute` per call. Only for the span; metrics use `attributes`.
   */
  public readonly oneAttemptOptions: SpanOptions;
  /** Invocations finished (ok or failed) since the site was made. */
  public count = 0;
  /** Invocations that failed (after their retries). */
  public errors = 0;

  constructor(
    public readonly name: string,
    public readonly attributes: Readonly<Attributes>,
    public readonly tracer: Tracer,
    public readonly duration: DurationRecorder,
    kind: SpanKind = SpanKind.INTERNAL,
  ) {
    this.spanOptions = { kind, attributes };
    this.oneAttemptOptions = {
      kind,
      attributes: Object.freeze({ ...attributes, [ATTR_ATTEMPTS]: 1 }),
    };
  }
}
