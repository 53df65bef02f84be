import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { MsgHdrs } from '@nats-io/nats-core';
import { reportTelemetryFailure } from '../telemetry/telemetry-failure';

/*
 * One W3C propagator for the NATS connectors, used through the OTel
 * propagation interface on the task.handle span's context: the global
 * propagator is not touched, as for http_request.
 */
const PROPAGATOR = new W3CTraceContextPropagator();

/*
 * NATS header names are case-sensitive and a missing header reads as "":
 * the getter turns "" into undefined so the propagator sees "absent".
 */
const GETTER: TextMapGetter<MsgHdrs> = {
  keys: (carrier) => carrier.keys(),
  get: (carrier, key) => {
    const value = carrier.get(key);
    return value === '' ? undefined : value;
  },
};

const SETTER: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Writes the W3C trace context of `context` (`traceparent`, `tracestate`) into `headers`. Never throws. */
export function injectTraceHeaders(context: Context, headers: MsgHdrs): void {
  try {
    PROPAGATOR.inject(context, headers, SETTER);
  } catch (error) {
    reportTelemetryFailure(error, 'injecting trace headers into a NATS message');
  }
}

/** The remote span context a message's headers carry, or undefined (then the event starts a trace). Never throws. */
export function extractTraceHeaders(headers: MsgHdrs | undefined): SpanContext | undefined {
  if (headers === undefined) return undefined;
  try {
    return trace.getSpanContext(PROPAGATOR.extract(ROOT_CONTEXT, headers, GETTER));
  } catch (error) {
    reportTelemetryFailure(error, 'reading trace headers of a NATS message');
    return undefined;
  }
}
