import type { DependencyContainer } from 'tsyringe';
import type { TelemetryConfig } from '../config/telemetry-config';
import type { CreateProvidersOptions } from './create-providers';
import { createTelemetryProviders } from './create-providers';
import { registerTelemetryProviders } from './register-providers';
import type { TelemetryHandle } from './telemetry-handle';

/**
 * Builds telemetry from a validated config and registers it in `container`:
 * the tracer provider (`TRACER_PROVIDER`), the meter provider
 * (`METER_PROVIDER`), the AsyncLocalStorage context manager
 * (`CONTEXT_MANAGER`), and what decorated classes resolved from the container
 * (or from a child made after this call) trace and measure through.
 *
 * With no config (the `telemetry:` block omitted) or `enabled: false`, no
 * exporter is built and no connection is attempted: handlers run untraced,
 * logs still go to stderr.
 *
 * @example
 * ```ts
 * const worker = loadWorkerConfigFile('worker.yaml');
 * const telemetry = registerTelemetry(container, worker.telemetry);
 * const task = container.resolve(MyConnector);
 * // ...
 * await telemetry.shutdown(); // flushes; bounded even if the collector is down
 * ```
 */
export function registerTelemetry(
  container: DependencyContainer,
  config: TelemetryConfig | undefined,
  options: CreateProvidersOptions = {},
): TelemetryHandle {
  const providers =
    config?.enabled === true ? createTelemetryProviders(config, options) : undefined;
  return registerTelemetryProviders(container, providers);
}
