import type { InjectionToken } from 'tsyringe';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { TelemetryHandle } from './telemetry-handle';

/*
 * DI tokens. `Symbol.for` so that two installed copies of the toolkit agree.
 */

/** The container's tracer provider (an OTel `TracerProvider`). */
export const TRACER_PROVIDER: InjectionToken<TracerProvider> = Symbol.for('flowgen.TracerProvider');
/** The container's meter provider (an OTel `MeterProvider`). */
export const METER_PROVIDER: InjectionToken<MeterProvider> = Symbol.for('flowgen.MeterProvider');
/** The handle returned by `registerTelemetry` (flush and shutdown). */
export const TELEMETRY_HANDLE: InjectionToken<TelemetryHandle> =
  Symbol.for('flowgen.TelemetryHandle');
