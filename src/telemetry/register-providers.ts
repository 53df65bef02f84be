import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { DependencyContainer } from 'tsyringe';
import { decoratedClassList, onDecoratedClass } from '../metadata/task-metadata';
import { ensureContextManager } from './context-manager';
import { exportStatsOf } from './export-retry-stats';
import { instrumentDecoratedClasses } from './instrument-class';
import { Instrumentation } from './instrumentation';
import type { SpanDurationProducer } from './span-duration-producer';
import { attachInstrumentation } from './task-binding';
import type { TelemetryHandle } from './telemetry-handle';
import { METER_PROVIDER, TELEMETRY_HANDLE, TRACER_PROVIDER } from './tokens';

/** Providers to register in a container, and how to flush and stop them. */
export interface TelemetryProviders {
  /** The tracer provider decorated classes trace through. */
  readonly tracerProvider: TracerProvider;
  /** The meter provider the span-derived metrics are recorded on. */
  readonly meterProvider: MeterProvider;
  /**
   * The toolkit's own `<span>.duration` aggregation, when it is a metric
   * producer of the meter provider's readers; else durations are recorded on
   * an SDK histogram of `meterProvider`.
   */
  readonly durations?: SpanDurationProducer;
  /** Exports what is pending. */
  forceFlush(): Promise<void>;
  /** Stops the providers. */
  shutdown(): Promise<void>;
}

/**
 * Registers ready-made providers in `container` (the tokens `TRACER_PROVIDER`,
 * `METER_PROVIDER`, `TELEMETRY_HANDLE`)
 * and makes every `@Task` / `@TaskManager` instance resolved from it, or from
 * a child container made after this call, trace through them. Use
 * `registerTelemetry` to build the providers from a config; this is the lower
 * level it and the test kit stand on.
 *
 * No OTel global provider is touched. Spans are made active through the
 * global `@opentelemetry/api` context, so when telemetry is on and no global
 * context manager works yet, an AsyncLocalStorage one is registered (a
 * NodeSDK's is used as it is).
 */
export function registerTelemetryProviders(
  container: DependencyContainer,
  providers: TelemetryProviders | undefined,
): TelemetryHandle {
  if (providers !== undefined) ensureContextManager();
  instrumentDecoratedClasses();
  const instrumentation = new Instrumentation(
    providers?.tracerProvider,
    providers?.meterProvider,
    providers !== undefined,
    providers?.durations,
  );
  const stopHooks = hookContainer(container, instrumentation);
  let stopped = false;
  const handle: TelemetryHandle = {
    enabled: providers !== undefined,
    forceFlush: async () => {
      if (!stopped) await providers?.forceFlush();
    },
    exportStats: () => exportStatsOf(providers),
    shutdown: async () => {
      if (stopped) return;
      stopped = true;
      stopHooks();
      await providers?.shutdown();
    },
  };
  if (providers !== undefined) {
    container.registerInstance(TRACER_PROVIDER, providers.tracerProvider);
    container.registerInstance(METER_PROVIDER, providers.meterProvider);
  }
  container.registerInstance(TELEMETRY_HANDLE, handle);
  return handle;
}

/*
 * tsyringe runs post-resolution hooks of the container that resolves, not of
 * its parents; so the hooks are set on this container for every decorated
 * class (now and later), and on each child container made from it.
 */
function hookContainer(
  container: DependencyContainer,
  instrumentation: Instrumentation,
): () => void {
  const state = { active: true };
  const attach = (_token: unknown, result: unknown): void => {
    if (!state.active) return;
    for (const instance of Array.isArray(result) ? (result as unknown[]) : [result]) {
      if (typeof instance === 'object' && instance !== null) {
        attachInstrumentation(instance, instrumentation);
      }
    }
  };
  const stopListening = onDecoratedClass((cls) =>
    container.afterResolution(cls, attach, { frequency: 'Always' }),
  );
  hookChildren(container, attach, state);
  return () => {
    state.active = false;
    stopListening();
  };
}

/*
 * Children share the parent's hook and its on/off state, and nothing keeps a
 * reference to them: a child container per request is collected with the
 * request. (Classes decorated after a child was made are not hooked in it.)
 */
function hookChildren(
  container: DependencyContainer,
  attach: (token: unknown, result: unknown) => void,
  state: { active: boolean },
): void {
  const createChild = container.createChildContainer.bind(container);
  container.createChildContainer = () => {
    const child = createChild();
    if (state.active) {
      for (const cls of decoratedClassList()) {
        child.afterResolution(cls, attach, { frequency: 'Always' });
      }
      hookChildren(child, attach, state);
    }
    return child;
  };
}
