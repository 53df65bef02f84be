import type { Context, SpanContext } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/nats-core';
import { extractTraceContext, injectTraceContext } from '../telemetry/trace-propagation';

/*
 * NATS message headers through the toolkit's one propagation path (the global
 * propagator when one is registered, else W3C), as for http_request and
 * http_endpoint. Header names are case-sensitive and a missing header reads
 * as "": empty values count as absent.
 */

/** Writes the trace context of `context` (`traceparent`, `tracestate`) into `headers`. Never throws. */
export function injectTraceHeaders(context: Context, headers: MsgHdrs): void {
  const carrier: Record<string, string> = {};
  injectTraceContext(carrier, context);
  for (const [key, value] of Object.entries(carrier)) headers.set(key, value);
}

/** The remote span context a message's headers carry, or undefined (then the event starts a trace). Never throws. */
export function extractTraceHeaders(headers: MsgHdrs | undefined): SpanContext | undefined {
  if (headers === undefined) return undefined;
  const carrier: Record<string, string> = {};
  for (const key of headers.keys()) {
    const value = headers.get(key);
    if (value !== '') carrier[key] = value;
  }
  return trace.getSpanContext(extractTraceContext(carrier));
}
