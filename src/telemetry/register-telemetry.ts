import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { metrics, trace } from '@opentelemetry/api';
import type { DependencyContainer } from 'tsyringe';
import type { TelemetryConfig } from '../config/telemetry-config';
import type { CreateProvidersOptions } from './create-providers';
import { createTelemetryProviders } from './create-providers';
import { installGlobals } from './install-globals';
import type { TelemetryProviders } from './register-providers';
import { registerTelemetryProviders } from './register-providers';
import type { TelemetryHandle } from './telemetry-handle';

/** Providers someone else built and owns (a NodeSDK's), for flowgen to trace through. */
export interface ExistingProviders {
  /** The tracer provider, e.g. `trace.getTracerProvider()` after `sdk.start()`. */
  readonly tracerProvider: TracerProvider;
  /** The meter provider (default: the global one). */
  readonly meterProvider?: MeterProvider;
}

/** Options of {@link registerTelemetry}. */
export interface RegisterTelemetryOptions extends CreateProvidersOptions {
  /**
   * Also install the container's tracer and meter providers as the OTel
   * globals (and the W3C propagator when none is registered), so
   * instrumentation libraries export through the same pipeline and
   * `service.name`. Taken back out by `shutdown()`. `flowgen run` does this;
   * the default is off, so a library or a spec touches no global provider.
   * Ignored with `useProviders: 'global'` (those are the globals already).
   */
  readonly installGlobals?: boolean;
  /**
   * Trace through existing providers instead of building them from the
   * config: `'global'` for the OTel globals (a NodeSDK started before this
   * call), or the providers themselves. flowgen spans then join the owner's
   * pipeline; `shutdown()` only flushes them (their owner stops them).
   */
  readonly useProviders?: ExistingProviders | 'global';
}

/**
 * Builds telemetry from a validated config and registers it in `container`:
 * the tracer provider (`TRACER_PROVIDER`), the meter provider
 * (`METER_PROVIDER`), and what decorated classes resolved from the container
 * (or from a child made after this call) trace and measure through. Spans are
 * made active through the `@opentelemetry/api` context (see
 * docs/opentelemetry-interop.md).
 *
 * With no config (the `telemetry:` block omitted) or `enabled: false`, and no
 * `useProviders`, no exporter is built and no connection is attempted:
 * handlers run untraced, logs still go to stderr.
 *
 * @example
 * ```ts
 * const worker = loadWorkerConfigFile('worker.yaml');
 * const telemetry = registerTelemetry(container, worker.telemetry, { installGlobals: true });
 * const task = container.resolve(MyConnector);
 * // ...
 * await telemetry.shutdown(); // flushes; bounded even if the collector is down
 * ```
 *
 * @example
 * ```ts
 * // a NodeSDK owns the pipeline: flowgen spans join it
 * new NodeSDK({ ... }).start();
 * registerTelemetry(container, undefined, { useProviders: 'global' });
 * ```
 */
export function registerTelemetry(
  container: DependencyContainer,
  config: TelemetryConfig | undefined,
  options: RegisterTelemetryOptions = {},
): TelemetryHandle {
  const providers =
    options.useProviders !== undefined
      ? borrowed(options.useProviders)
      : config?.enabled === true
        ? createTelemetryProviders(config, options)
        : undefined;
  const handle = registerTelemetryProviders(container, providers);
  // The globals are installed already when they are what flowgen borrows:
  // making the global proxy the global provider again would point it at itself.
  if (options.installGlobals !== true || providers === undefined) return handle;
  if (options.useProviders === 'global') return handle;
  const globals = installGlobals(providers.tracerProvider, providers.meterProvider);
  return {
    enabled: handle.enabled,
    forceFlush: () => handle.forceFlush(),
    exportStats: () => handle.exportStats(),
    shutdown: async () => {
      try {
        await handle.shutdown();
      } finally {
        globals.uninstall();
      }
    },
  };
}

function borrowed(existing: ExistingProviders | 'global'): TelemetryProviders {
  const tracerProvider =
    existing === 'global' ? trace.getTracerProvider() : existing.tracerProvider;
  const meterProvider =
    (existing === 'global' ? undefined : existing.meterProvider) ?? metrics.getMeterProvider();
  const flush = async (): Promise<void> => {
    await Promise.all([flushOf(tracerProvider), flushOf(meterProvider)]);
  };
  return { tracerProvider, meterProvider, forceFlush: flush, shutdown: flush };
}

/* The API interfaces have no forceFlush; the SDK providers (and a proxy's delegate) do. */
async function flushOf(provider: object): Promise<void> {
  const target =
    typeof (provider as { getDelegate?: unknown }).getDelegate === 'function'
      ? (provider as { getDelegate(): object }).getDelegate()
      : provider;
  const flush = (target as { forceFlush?: () => Promise<void> }).forceFlush;
  if (typeof flush === 'function') await flush.call(target);
}
