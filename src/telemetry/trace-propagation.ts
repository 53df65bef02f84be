import type { Context, SpanContext, TextMapPropagator } from '@opentelemetry/api';
import {
  ROOT_CONTEXT,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { reportTelemetryFailure } from './telemetry-failure';

/*
 * Trace context crosses process boundaries (HTTP headers, message headers)
 * through the `propagation` API. When the process has a global propagator
 * (a NodeSDK's, or the W3C one `installGlobals` sets), it is used, so what
 * flowgen sends and reads agrees with every instrumentation library in the
 * process; when it has none (the API's no-op), the W3C trace-context
 * propagator of `@opentelemetry/core` is, so a trace still crosses.
 */
const W3C: TextMapPropagator = new W3CTraceContextPropagator();

/** Header values as Node's `IncomingHttpHeaders` or message headers hold them. */
export type TraceCarrier = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The propagator in use: the global one when registered, else W3C trace context. */
export function tracePropagator(): TextMapPropagator {
  return propagation.fields().length > 0 ? propagation : W3C;
}

/**
 * Writes the trace context of `ctx` (default: the active one, inside a
 * handler its `task.handle`) into `carrier` (`traceparent`, `tracestate` with
 * W3C). Never throws.
 *
 * @example
 * ```ts
 * const headers: Record<string, string> = {};
 * injectTraceContext(headers);
 * await fetch(url, { headers });
 * ```
 */
export function injectTraceContext(
  carrier: Record<string, string>,
  ctx: Context = context.active(),
): void {
  try {
    tracePropagator().inject(ctx, carrier, defaultTextMapSetter);
  } catch (error) {
    reportTelemetryFailure(error, 'injecting trace context');
  }
}

/**
 * Reads the trace context a carrier (HTTP request headers, message headers)
 * brings: a context whose span context is remote, or the root context when
 * it brings none or a malformed one. Never throws.
 *
 * @example
 * ```ts
 * const event = FlowEvent.create(body, { traceContext: extractTraceContext(req.headers) });
 * ```
 */
export function extractTraceContext(carrier: TraceCarrier): Context {
  try {
    return tracePropagator().extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  } catch (error) {
    reportTelemetryFailure(error, 'extracting trace context');
    return ROOT_CONTEXT;
  }
}

/**
 * The key under which an object that carries a trace context (a `FlowEvent`)
 * exposes it, as the parent of the span that handles it. A key rather than a
 * class check so that telemetry does not depend on the runtime's classes.
 */
export const CARRIED_CONTEXT = Symbol.for('flowgen.carried-trace-context');

/** An object that carries a trace context under {@link CARRIED_CONTEXT}. */
export interface CarriesTraceContext {
  /** The context to parent the span that handles it on (the root context when it carries none). */
  readonly [CARRIED_CONTEXT]: Context;
}

/**
 * Parses a W3C `traceparent` (and `tracestate`) with the W3C propagator into
 * the remote span context they describe; `undefined` for a missing or
 * malformed header.
 */
export function parseTraceparent(
  traceparent: string | undefined,
  tracestate?: string,
): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate !== undefined && tracestate !== '') carrier.tracestate = tracestate;
  try {
    return trace.getSpanContext(W3C.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
  } catch (error) {
    reportTelemetryFailure(error, 'parsing traceparent');
    return undefined;
  }
}
