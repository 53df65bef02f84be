import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { ConnectorAttributes } from './attribute-values';
import { sanitizeAttributes } from './attribute-values';
import { activeContext, activeSpan, withTaskRunMark } from './context-manager';
import { runInSpan } from './run-in-span';
import { bindingOf } from './task-binding';
import type { SpanSite } from './span-site';
import { reportTelemetryFailure } from './telemetry-failure';

/**
 * Adds connector-specific attributes (request id, query handle, message
 * offset, byte count) to the active span: inside a `@Handler`, its
 * `task.handle` span. Values OTel cannot carry are dropped, long strings cut;
 * it never throws and does nothing outside a span.
 *
 * @example
 * ```ts
 * @Handler()
 * async handle(event: FlowEvent) {
 *   const res = await fetch(url);
 *   setSpanAttributes({ 'http.request_id': res.headers.get('x-request-id') ?? undefined });
 * }
 * ```
 */
export function setSpanAttributes(attributes: ConnectorAttributes): void {
  try {
    activeSpan()?.setAttributes(sanitizeAttributes(attributes));
  } catch (error) {
    reportTelemetryFailure(error, 'setting span attributes');
  }
}

/**
 * Runs `fn` in a child span named `name` of the active span, traced through
 * `task`'s telemetry: it carries the task's attributes plus `attributes`,
 * records an error thrown or rejected by `fn`, and derives `name.duration`,
 * `.count` and `.errors` like every toolkit span.
 *
 * @example
 * ```ts
 * const rows = await traceChild(this, 'db.query', () => db.query(sql), { 'db.query_id': id });
 * ```
 */
export function traceChild<R>(
  task: object,
  name: string,
  fn: () => R,
  attributes?: ConnectorAttributes,
): R {
  const binding = bindingOf(task);
  if (!binding.enabled) return fn();
  const body =
    attributes === undefined
      ? fn
      : (): R => {
          setSpanAttributes(attributes);
          return fn();
        };
  const site = siteOf(() => binding.site(name));
  if (site === undefined) return fn();
  return runInSpan(site, activeContext(), body, undefined, []);
}

/*
 * Making a site creates instruments on first use; a meter that throws then
 * must not reach the caller: the work runs untraced instead.
 */
function siteOf(make: () => SpanSite): SpanSite | undefined {
  try {
    return make();
  } catch (error) {
    reportTelemetryFailure(error, 'preparing a span');
    return undefined;
  }
}

/**
 * Runs a task's lifecycle (init + event loop) in its `task.run` span: a root,
 * one per task per tenure, with the task's three attributes. The runtime calls
 * this; a custom runner can too. Events created directly under it carry no
 * trace context, so each event a source produces starts its own trace.
 */
export function traceTaskRun<R>(task: object, fn: () => R): R {
  const binding = bindingOf(task);
  const site = binding.enabled ? siteOf(() => binding.runSite) : undefined;
  if (site === undefined) return fn();
  return runInSpan(site, ROOT_CONTEXT, withTaskRunMark, undefined, [fn]);
}
