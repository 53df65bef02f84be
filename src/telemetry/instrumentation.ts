import type { Meter, Tracer, TracerProvider, MeterProvider } from '@opentelemetry/api';
import { ProxyTracerProvider, createNoopMeter } from '@opentelemetry/api';
import { SpanMetrics } from './span-metrics';

import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './instrumentation-scope';
import type { SpanDurationProducer } from './span-duration-producer';

/**
 * What decorated classes trace and measure through: the tracer and meter of
 * one container's providers, and the span-derived metrics made from them.
 * Registered in a container under `INSTRUMENTATION` by `registerTelemetry`.
 */
export class Instrumentation {
  /** The tracer from the container's tracer provider. */
  public readonly tracer: Tracer;
  /** The meter from the container's meter provider. */
  public readonly meter: Meter;
  /** `<span>.duration`, `.count`, `.errors` for every span made through this instrumentation. */
  public readonly spanMetrics: SpanMetrics;

  constructor(
    tracerProvider: TracerProvider | undefined,
    meterProvider: MeterProvider | undefined,
    /** False when telemetry is off: handlers then run with no span and no metric at all. */
    public readonly enabled: boolean = tracerProvider !== undefined,
    /** The toolkit's own duration histograms, when it built the metric reader. */
    durations?: SpanDurationProducer,
  ) {
    this.tracer = (tracerProvider ?? new ProxyTracerProvider()).getTracer(
      INSTRUMENTATION_SCOPE,
      INSTRUMENTATION_VERSION,
    );
    this.meter =
      meterProvider?.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION) ?? createNoopMeter();
    this.spanMetrics = new SpanMetrics(this.meter, this.tracer, durations);
  }
}

/**
 * The instrumentation of an instance resolved where no telemetry is
 * registered: no span, no metric, no cost beyond a property read.
 */
export const DISABLED_INSTRUMENTATION = new Instrumentation(undefined, undefined, false);
