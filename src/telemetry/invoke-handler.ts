import type { Context, Span } from '@opentelemetry/api';
import { context } from '@opentelemetry/api';
import { DecoratorError } from '../decorators/decorator-error';
import { getHandlerName, getTaskOptions } from '../metadata/task-metadata';
import { activeSpan } from './context-manager';
import { errorType, runInSpan } from './run-in-span';
import { settleHandlerResult } from './settle-handler-result';
import { ATTR_ATTEMPTS, EVENT_ATTEMPT_FAILED } from './span-names';
import type { SpanSite } from './span-site';
import { bindingOf } from './task-binding';
import { reportTelemetryFailure } from './telemetry-failure';
import type { CarriesTraceContext } from './trace-propagation';
import { CARRIED_CONTEXT } from './trace-propagation';
import type { AnyMethod } from './wrap-method';
import { originalOf } from './wrap-method';

/*
 * The one place a `task.handle` span is made, whoever calls the handler: the
 * runtime (with its attempt policy), user code calling the method of a
 * resolved instance, the test kit. Parent rule, attempts, `attempt.failed`
 * events, `flowgen.attempts`, the per-attempt timeout and the span-derived
 * metrics all live here.
 */

/** Runs attempts of one call: `RetryPolicy` is one. */
export interface AttemptRunner {
  /**
   * Calls `fn(attempt)` (1, 2, ...) until it succeeds or the attempts run
   * out, calling `onAttemptFailed` after each failed one; rethrows the last
   * error unchanged.
   */
  run<T>(
    fn: (attempt: number) => Promise<T> | T,
    hooks: {
      signal?: AbortSignal;
      onAttemptFailed?: (
        attempt: number,
        error: unknown,
        willRetry: boolean,
        delayMs: number,
      ) => void;
    },
  ): Promise<T>;
}

/** How one handler call is run when its result is consumed (the runtime's way). */
export interface HandlerPolicy<R = unknown> {
  /** The attempts (a `RetryPolicy`); one attempt when omitted. */
  readonly retry?: AttemptRunner;
  /** Aborting stops retrying (the first attempt always runs). */
  readonly signal?: AbortSignal;
  /** The bound of one attempt, and the error an attempt that does not settle in time fails with. */
  readonly timeout?: { readonly ms: number; readonly error: () => Error };
  /**
   * Ends the wait for an attempt that has not settled when the shutdown
   * deadline passes (the runtime's `DeadlineGate`): the span then ends with
   * the gate's error instead of staying open.
   */
  readonly gate?: { race<T>(work: Promise<T>): Promise<T> };
  /**
   * Inside the span, once an attempt succeeded: turns the settled value into
   * what the call resolves with (the runtime makes its output events here,
   * so they carry the span's context). Default: the value.
   */
  readonly output?: (value: unknown) => R;
  /** Inside the span, once the last attempt failed (a log line then carries the span's ids). */
  readonly failed?: (error: unknown, attempts: number) => void;
}

/**
 * The parent of a `task.handle` span, the one rule: the trace context the
 * event (the first argument) carries: the upstream `task.handle`, a remote
 * context extracted from HTTP or message headers, or the span that was
 * active where the event was created (never a `task.run`); an event that
 * carries none starts a new trace. A call whose first argument is not an
 * event is a child of the active span (a new root outside any).
 */
export function handleParent(args: readonly unknown[]): Context {
  const first = args[0];
  if (typeof first === 'object' && first !== null) {
    const carried = (first as Partial<CarriesTraceContext>)[CARRIED_CONTEXT];
    if (carried !== undefined) return carried;
  }
  return context.active();
}

/**
 * Calls the `@Handler` of `instance` with `args` in its `task.handle` span.
 *
 * Without a policy (how the traced method itself runs when user code calls
 * it), the call is passed through: a sync handler stays sync, a Promise is
 * returned as one, an async generator is traced over its iteration, and the
 * span records one attempt. With a policy (the runtime, the test kit's
 * harness), each attempt's result is settled (a generator is collected),
 * bounded by `policy.timeout`, retried by `policy.retry`; each failed attempt
 * is an `attempt.failed` event and the span's `flowgen.attempts` says how
 * many ran; the call resolves with `policy.output(value)`.
 *
 * Telemetry off (no telemetry registered in the instance's container): the
 * same call, with no span and no metric. Never throws for telemetry.
 *
 * @example
 * ```ts
 * const out = await invokeHandler(task, [event, ctx], { retry: new RetryPolicy({ ... }) });
 * ```
 */
export function invokeHandler(instance: object, args: unknown[]): unknown;
export function invokeHandler<R>(
  instance: object,
  args: unknown[],
  policy: HandlerPolicy<R>,
): Promise<R>;
export function invokeHandler<R>(
  instance: object,
  args: unknown[],
  policy?: HandlerPolicy<R>,
): unknown {
  return callHandler(instance, handlerOf(instance), args, policy);
}

/**
 * The one code path of a handler call: the span site and the parent rule,
 * then `runInSpan` (span active on the OTel context, error recorded, ended
 * once, metrics derived). Without a policy the handler itself runs in the
 * span (one attempt, result passed through); with one, its attempts do. The
 * traced `@Handler` method calls this without a policy.
 */
export function callHandler<R>(
  instance: object,
  original: AnyMethod,
  args: unknown[],
  policy?: HandlerPolicy<R>,
): unknown {
  const binding = bindingOf(instance);
  if (!binding.enabled) return callUntraced(instance, original, args, policy);
  const body = policy === undefined ? original : attemptsOf(original, policy);
  let site: SpanSite;
  let parent: Context;
  try {
    site = binding.handleSite;
    parent = handleParent(args);
  } catch (error) {
    // A tracer or meter that fails while making the site: run untraced.
    reportTelemetryFailure(error, 'preparing a span');
    return callUntraced(instance, original, args, policy);
  }
  return runInSpan(
    site,
    parent,
    body,
    instance,
    args,
    policy === undefined ? site.oneAttemptOptions : site.spanOptions,
  );
}

/* Telemetry off: the same call and attempts, with no span and no metric. */
function callUntraced<R>(
  instance: object,
  original: AnyMethod,
  args: unknown[],
  policy: HandlerPolicy<R> | undefined,
): unknown {
  return policy === undefined
    ? original.apply(instance, args)
    : runAttempts(instance, original, args, policy, undefined);
}

/* The handler's attempts under `policy`, as a method to run in its span (then the active one). */
function attemptsOf<R>(original: AnyMethod, policy: HandlerPolicy<R>): AnyMethod {
  return function (this: unknown, ...args: unknown[]): Promise<R> {
    return runAttempts(this as object, original, args, policy, activeSpan());
  };
}

const ONE_ATTEMPT: AttemptRunner = {
  async run(fn, hooks) {
    try {
      return await fn(1);
    } catch (error) {
      hooks.onAttemptFailed?.(1, error, false, 0);
      throw error;
    }
  },
};

async function runAttempts<R>(
  instance: object,
  original: AnyMethod,
  args: unknown[],
  policy: HandlerPolicy<R>,
  span: Span | undefined,
): Promise<R> {
  let attempts = 0;
  const attempt = (n: number): Promise<unknown> => {
    attempts = n;
    // The timeout inside the gate: a timed-out attempt leaves nothing waiting on the gate.
    const settled = bounded(settleHandlerResult(original.apply(instance, args)), policy.timeout);
    return policy.gate?.race(settled) ?? settled;
  };
  try {
    const value = await (policy.retry ?? ONE_ATTEMPT).run(attempt, {
      signal: policy.signal,
      onAttemptFailed: (n, error, willRetry, delayMs) =>
        recordAttempt(span, n, error, willRetry, delayMs),
    });
    setAttempts(span, attempts);
    return policy.output === undefined ? (value as R) : policy.output(value);
  } catch (error) {
    setAttempts(span, attempts);
    policy.failed?.(error, attempts);
    throw error;
  }
}

function bounded(settled: Promise<unknown>, timeout: HandlerPolicy['timeout']): Promise<unknown> {
  if (timeout === undefined) return settled;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout.error()), timeout.ms);
  });
  return Promise.race([settled, expired]).finally(() => clearTimeout(timer));
}

function setAttempts(span: Span | undefined, attempts: number): void {
  try {
    span?.setAttribute(ATTR_ATTEMPTS, attempts);
  } catch (error) {
    reportTelemetryFailure(error, 'recording attempts');
  }
}

function recordAttempt(
  span: Span | undefined,
  attempt: number,
  error: unknown,
  willRetry: boolean,
  delayMs: number,
): void {
  try {
    span?.addEvent(EVENT_ATTEMPT_FAILED, {
      'flowgen.attempt': attempt,
      'flowgen.will_retry': willRetry,
      'flowgen.backoff_ms': Math.round(delayMs),
      'exception.type': errorType(error),
      'exception.message': error instanceof Error ? error.message : String(error),
    });
  } catch (caught) {
    reportTelemetryFailure(caught, 'recording a failed attempt');
  }
}

/**
 * The `@Handler` method of an instance, as written (not the traced wrapper),
 * looked up on the instance at each call: a handler replaced on one instance
 * (a test spy, an instance field) is the one that runs. A `DecoratorError`
 * when the class has none.
 */
export function handlerOf(instance: object): AnyMethod {
  const cls = instance.constructor as { readonly prototype: unknown; readonly name: string };
  const name = getHandlerName(cls);
  const method =
    name === undefined ? undefined : (instance as Record<string | symbol, unknown>)[name];
  if (typeof method !== 'function') {
    const type = getTaskOptions(cls)?.type ?? '?';
    throw new DecoratorError(
      `${cls.name} (type ${type}) has no @Handler() method; mark the method that processes one event with @Handler().`,
    );
  }
  return originalOf(method as AnyMethod);
}
