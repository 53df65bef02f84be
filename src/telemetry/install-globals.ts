import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { metrics, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ensureContextManager } from './context-manager';

/** What {@link installGlobals} installed, to take back out. */
export interface InstalledGlobals {
  /** Removes what was installed (nothing that another party registered). */
  uninstall(): void;
}

/**
 * Installs a container's providers as the OTel globals, so instrumentation
 * libraries (`@opentelemetry/instrumentation-http`, `-undici`, `-pg`, ...)
 * and code using `trace.getTracer()` / `metrics.getMeter()` export through
 * the same pipeline and `service.name` as the flow: the tracer provider, the
 * meter provider, the W3C trace-context propagator when no propagator is
 * registered, and an AsyncLocalStorage context manager when none works.
 *
 * A global that is registered already (a NodeSDK's) is left as it is: the
 * API refuses a second registration, and so does this. Never throws.
 */
export function installGlobals(
  tracerProvider: TracerProvider,
  meterProvider: MeterProvider,
): InstalledGlobals {
  ensureContextManager();
  const tracer = safely(() => trace.setGlobalTracerProvider(tracerProvider));
  const meter = safely(() => metrics.setGlobalMeterProvider(meterProvider));
  const propagator =
    propagation.fields().length === 0 &&
    safely(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  let installed = true;
  return {
    uninstall(): void {
      if (!installed) return;
      installed = false;
      if (tracer) trace.disable();
      if (meter) metrics.disable();
      if (propagator) propagation.disable();
    },
  };
}

function safely(register: () => boolean): boolean {
  try {
    return register();
  } catch {
    return false;
  }
}
