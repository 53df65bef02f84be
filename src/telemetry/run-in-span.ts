import type { Context, HrTime, Span, SpanOptions } from '@opentelemetry/api';
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { SpanSite } from './span-site';
import { reportTelemetryFailure } from './telemetry-failure';
import { ATTR_ERROR_CODE } from './span-names';

/**
 * The one helper every instrumented call goes through: start the span under
 * `parent`, make it active while `fn` runs, and when the call is over (it
 * returned, its Promise settled, or its async iteration finished, threw or was
 * stopped early) record an error if there was one, end the span exactly once
 * and record the derived metrics. The value or error of `fn` is passed
 * through unchanged (the same error object is rethrown). Only
 * `instanceof Promise` counts as async: a thenable is a value. The span is
 * made active through the `@opentelemetry/api` context, so spans the call
 * starts with any tracer nest under it. `spanOptions` replaces the site's
 * own (the handler's one-attempt options).
 */
export function runInSpan<A extends unknown[], R>(
  site: SpanSite,
  parent: Context,
  fn: (...args: A) => R,
  self: unknown,
  args: A,
  spanOptions: SpanOptions = site.spanOptions,
): R {
  let span: Span | undefined;
  let active = parent;
  let startedAt = NaN;
  try {
    span = site.tracer.startSpan(site.name, spanOptions, parent);
    active = trace.setSpan(parent, span);
    if (!hasOwnTiming(span)) startedAt = performance.now();
  } catch (error) {
    reportTelemetryFailure(error, `starting ${site.name}`);
    startedAt = performance.now();
  }
  let result: R;
  try {
    result = context.with(active, invoke, undefined, fn, self, args) as R;
  } catch (error) {
    finishSpan(site, span, startedAt, true, error);
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        finishSpan(site, span, startedAt, false, undefined);
        return value;
      },
      (error: unknown) => {
        finishSpan(site, span, startedAt, true, error);
        throw error;
      },
    ) as R;
  }
  if (isTraceableIteration(result)) {
    return new TracedAsyncIterator(site, span, active, startedAt, result) as R;
  }
  finishSpan(site, span, startedAt, false, undefined);
  return result;
}

/** An SDK span: it measures its own start and end, so the call's duration is its `duration`. */
interface TimedSpan {
  readonly startTime?: unknown;
  readonly duration?: HrTime;
}

/*
 * Whether the span keeps its own times (an SDK span that records): then the
 * duration recorded is the span's own, and `performance.now()` is not read
 * again. A non-recording span (sampled out) or a foreign one is timed here.
 */
function hasOwnTiming(span: Span): boolean {
  return Array.isArray((span as TimedSpan).startTime);
}

/* Seconds the call took: the ended span's own duration, else since `startedAt`. */
function secondsOf(span: Span | undefined, startedAt: number): number {
  if (!Number.isNaN(startedAt) || span === undefined) return (performance.now() - startedAt) / 1000;
  const duration = (span as TimedSpan).duration;
  return duration === undefined ? 0 : duration[0] + duration[1] / 1e9;
}

/*
 * Calls `fn` on `self` without `Function.prototype.bind`, which the context
 * manager would otherwise do on every call that has a `this`.
 */
function invoke<A extends unknown[], R>(fn: (...args: A) => R, self: unknown, args: A): R {
  return fn.apply(self, args);
}

/**
 * Records an error on a span: the exception event (type = the error's class
 * name, as the `attempt.failed` events say it) and status ERROR with its
 * message. A `code` the error carries goes to `flowgen.error_code`.
 */
export function recordSpanError(span: Span, error: unknown): void {
  if (!(error instanceof Error)) {
    const message = String(error);
    span.recordException(message);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    return;
  }
  span.recordException({ name: errorType(error), message: error.message, stack: error.stack });
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number')
    span.setAttribute(ATTR_ERROR_CODE, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** The type name of an error: its class name (`PriceServiceError`), else its `name`. */
export function errorType(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const ctor = error.constructor.name;
  return ctor !== '' && ctor !== 'Error' ? ctor : error.name;
}

function finishSpan(
  site: SpanSite,
  span: Span | undefined,
  started: number,
  failed: boolean,
  error: unknown,
): void {
  try {
    site.count++;
    if (failed) site.errors++;
    if (span !== undefined) {
      if (failed) recordSpanError(span, error);
      span.end();
    }
    site.duration.record(secondsOf(span, started));
  } catch (caught) {
    reportTelemetryFailure(caught, `ending ${site.name}`);
  }
}

/**
 * Async generators and other async iterators are traced over their whole
 * iteration; so are plain objects that are async iterable. Other async
 * iterables (streams and the like) are values: wrapping them would hide their
 * own API from the caller. The runtime uses the same rule for what it drains.
 */
export function isTraceableIteration(
  value: unknown,
): value is AsyncIterator<unknown> | AsyncIterable<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<AsyncIterator<unknown> & AsyncIterable<unknown>>;
  if (typeof candidate[Symbol.asyncIterator] !== 'function') return false;
  return typeof candidate.next === 'function' || Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Iterates an async iterator with its span active around every step, and ends
 * the span when iteration completes, throws, or the consumer stops early
 * (`return`, as `break` in `for await` does).
 */
class TracedAsyncIterator implements AsyncIterableIterator<unknown> {
  private inner: AsyncIterator<unknown> | undefined;
  private ended = false;
  /* Settles a step; made once per iteration, not per step. */
  private readonly settled = (result: IteratorResult<unknown>): IteratorResult<unknown> => {
    if (result.done === true) this.end(false, undefined);
    return result;
  };
  private readonly failed = (error: unknown): never => {
    this.end(true, error);
    throw error;
  };

  constructor(
    private readonly site: SpanSite,
    private readonly span: Span | undefined,
    private readonly active: Context,
    private readonly started: number,
    private readonly source: AsyncIterator<unknown> | AsyncIterable<unknown>,
  ) {}

  next(value?: unknown): Promise<IteratorResult<unknown>> {
    return this.step(stepNext, value);
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    return this.step(stepReturn, value).finally(() => this.end(false, undefined));
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    return this.step(stepThrow, error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }

  /** @internal The source's iterator (its own when it is one). */
  iterator(): AsyncIterator<unknown> {
    if (this.inner === undefined) {
      const source = this.source as Partial<AsyncIterator<unknown>> & AsyncIterable<unknown>;
      this.inner =
        typeof source.next === 'function'
          ? (source as AsyncIterator<unknown>)
          : source[Symbol.asyncIterator]();
    }
    return this.inner;
  }

  /*
   * One step of the source with the span active; no closure or async
   * function per step (a generator of n yields takes n + 1 of them).
   */
  private step(
    call: (it: TracedAsyncIterator, value: unknown) => Promise<IteratorResult<unknown>>,
    value: unknown,
  ): Promise<IteratorResult<unknown>> {
    let pending: Promise<IteratorResult<unknown>>;
    try {
      pending = Promise.resolve(context.with(this.active, call, undefined, this, value));
    } catch (error) {
      this.end(true, error);
      return Promise.reject(error as Error);
    }
    return pending.then(this.settled, this.failed);
  }

  private end(failed: boolean, error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    finishSpan(this.site, this.span, this.started, failed, error);
  }
}

function stepNext(traced: TracedAsyncIterator, value: unknown): Promise<IteratorResult<unknown>> {
  return traced.iterator().next(value);
}

function stepReturn(traced: TracedAsyncIterator, value: unknown): Promise<IteratorResult<unknown>> {
  const it = traced.iterator();
  return it.return !== undefined ? it.return(value) : Promise.resolve({ done: true, value });
}

function stepThrow(traced: TracedAsyncIterator, error: unknown): Promise<IteratorResult<unknown>> {
  const it = traced.iterator();
  if (it.throw !== undefined) return it.throw(error);
  throw error;
}
