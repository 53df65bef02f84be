import type { InjectionToken } from 'tsyringe';
import type { TracerProvider, MeterProvider, ContextManager } from '@opentelemetry/api';
import type { Instrumentation } from './instrumentation';
import type { TelemetryHandle } from './telemetry-handle';

/*
 * DI tokens. `Symbol.for` so that two installed copies of the toolkit agree.
 */

/** The container's tracer provider (an OTel `TracerProvider`). */
export const TRACER_PROVIDER: InjectionToken<TracerProvider> = Symbol.for('flowgen.TracerProvider');
/** The container's meter provider (an OTel `MeterProvider`). */
export const METER_PROVIDER: InjectionToken<MeterProvider> = Symbol.for('flowgen.MeterProvider');
/**
 * A `ContextManager` view of the global `@opentelemetry/api` context (the
 * toolkit has no context manager of its own).
 */
export const CONTEXT_MANAGER: InjectionToken<ContextManager> = Symbol.for('flowgen.ContextManager');
/** The tracer, meter and span-metric instruments that decorated classes use. */
export const INSTRUMENTATION: InjectionToken<Instrumentation> =
  Symbol.for('flowgen.Instrumentation');
/** The handle returned by `registerTelemetry` (flush and shutdown). */
export const TELEMETRY_HANDLE: InjectionToken<TelemetryHandle> =
  Symbol.for('flowgen.TelemetryHandle');
