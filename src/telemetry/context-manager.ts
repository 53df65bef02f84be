import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Context, ContextManager, Span } from '@opentelemetry/api';
import { ROOT_CONTEXT, context, createContextKey, trace } from '@opentelemetry/api';

/*
 * The toolkit makes spans active through the `@opentelemetry/api` context,
 * the one async context of the process: inside a handler,
 * `trace.getActiveSpan()` is its `task.handle`, so spans of instrumentation
 * libraries and of the user's own code nest under it. There is no private
 * context manager any more.
 */

const PROBE = createContextKey('flowgen.context-probe');
const TASK_RUN_SPAN = createContextKey('flowgen.task-run-span');
let ensured = false;

/**
 * Makes sure a working global context manager is registered: when the one
 * registered (by a NodeSDK, `NodeTracerProvider.register()` or an earlier
 * call) carries context through `context.with`, it is kept; when none is
 * (the API's no-op manager), an `AsyncLocalStorageContextManager` is
 * registered. Returns whether this call registered one. Never throws.
 *
 * `registerTelemetry` calls it; call it yourself only if you use the
 * toolkit's spans without registering telemetry.
 */
export function ensureContextManager(): boolean {
  ensured = true;
  try {
    if (hasWorkingContextManager()) return false;
    return context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  } catch {
    return false;
  }
}

/** Whether the global context manager carries a context through `context.with`. */
export function hasWorkingContextManager(): boolean {
  const probe = ROOT_CONTEXT.setValue(PROBE, true);
  return context.with(probe, () => context.active().getValue(PROBE) === true);
}

/** The active context (`context.active()` of `@opentelemetry/api`). */
export function activeContext(): Context {
  return context.active();
}

/**
 * The active span (`trace.getActiveSpan()`): a `task.handle`, `task.run`, a
 * span a connector started through the toolkit, or one the user or an
 * instrumentation library started inside them; `undefined` outside one.
 */
export function activeSpan(): Span | undefined {
  return trace.getSpan(context.active());
}

/**
 * Runs `fn` with the task's `task.run` span active and marked as such, so an
 * event created directly under it carries no trace context (see
 * {@link spanForNewEvents}): a source's events each start their own trace.
 */
export function withTaskRunMark<R>(fn: () => R): R {
  const active = context.active();
  return context.with(active.setValue(TASK_RUN_SPAN, trace.getSpan(active)), fn);
}

/**
 * The span whose context a new event carries: the active span, unless it is
 * a `task.run` (events a source creates in its run loop are roots, one trace
 * per event, as the span contract says).
 */
export function spanForNewEvents(): Span | undefined {
  const active = context.active();
  const span = trace.getSpan(active);
  if (span === undefined || active.getValue(TASK_RUN_SPAN) === span) return undefined;
  return span;
}

/**
 * A `ContextManager` view of the global context API, for code that wants
 * one object (the `CONTEXT_MANAGER` token, the logger). Its first use makes
 * sure a working global manager is registered. `enable`/`disable` do
 * nothing: the global manager belongs to whoever registered it.
 */
export const contextManager: ContextManager = {
  active(): Context {
    if (!ensured) ensureContextManager();
    return context.active();
  },
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    if (!ensured) ensureContextManager();
    return context.with(ctx, fn, thisArg, ...args);
  },
  bind<T>(ctx: Context, target: T): T {
    if (!ensured) ensureContextManager();
    return context.bind(ctx, target);
  },
  enable(): ContextManager {
    return this;
  },
  disable(): ContextManager {
    return this;
  },
};
