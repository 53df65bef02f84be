import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { diag } from '@opentelemetry/api';
import { loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { container as rootContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import {
  createLogger,
  loadWorkerConfig,
  parseFlow,
  registerTelemetryProviders,
  runFlow,
  setLogger,
  setTelemetryFailureListener,
} from '../../../src';
import { createTelemetryProviders } from '../../../src/telemetry/create-providers';
import { resetLogger } from '../../../src/telemetry/logger';
import type {
  CreateProvidersOptions,
  FlowRunResult,
  TelemetryHandle,
  TelemetryProviders,
  WorkerConfig,
} from '../../../src';
import { installTelemetryWarnings } from '../../../src/cli/telemetry-warnings';
import { exportStatsOf } from '../../../src/telemetry/export-retry-stats';
import type { ExportSignalStats } from '../../../src/telemetry/export-retry-stats';
import { BurstSourceTask } from './burst-source.task';

/** A worker config with telemetry to `endpoint`: spans exported every 100 ms, metrics only at shutdown. */
export function telemetryWorker(
  endpoint: string,
  telemetry: Record<string, unknown> = {},
): WorkerConfig {
  const { batch, ...rest } = telemetry;
  return loadWorkerConfig({
    telemetry: {
      enabled: true,
      otlp_endpoint: endpoint,
      service_name: 'flowgen-reliability',
      metrics_export_interval: '1h',
      ...rest,
      batch: { scheduled_delay: '100ms', ...(batch as Record<string, unknown> | undefined) },
    },
    shutdown_timeout: '5s',
  });
}

/** Telemetry built from a worker config, registered in a fresh child container. */
export interface TelemetryRig {
  readonly container: DependencyContainer;
  readonly providers: TelemetryProviders;
  readonly handle: TelemetryHandle;
  /** Every span that ended, as the SDK saw it (empty unless `record` was set). */
  readonly recorded: () => ReadableSpan[];
  /** The span exporter's counters. */
  readonly spanStats: () => ExportSignalStats;
}

/**
 * Builds the providers `createTelemetryProviders` makes for `worker` (the real
 * OTLP/gRPC exporters, retried unless a raw `spanExporter` is given), and
 * optionally records every ended span in memory too, to compare with what
 * the collector got.
 */
export function startTelemetry(
  worker: WorkerConfig,
  options: CreateProvidersOptions & { record?: boolean } = {},
): TelemetryRig {
  const config = worker.telemetry;
  if (config === undefined) throw new Error('the worker config has no telemetry block');
  const ended: ReadableSpan[] = [];
  // Kept even after shutdown (an InMemorySpanExporter forgets its spans then).
  const recorder: SpanProcessor = {
    onStart: () => undefined,
    onEnd: (span) => void ended.push(span),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const processors: SpanProcessor[] = options.record === true ? [recorder] : [];
  const providers = createTelemetryProviders(config, {
    ...options,
    spanProcessors: [...processors, ...(options.spanProcessors ?? [])],
  });
  const container = rootContainer.createChildContainer();
  const handle = registerTelemetryProviders(container, providers);
  return {
    container,
    providers,
    handle,
    recorded: () => [...ended],
    spanStats: () => {
      const spans = exportStatsOf(providers)?.spans;
      if (spans === undefined) throw new Error('these providers keep no span export stats');
      return spans;
    },
  };
}

/** Runs a flow (YAML text) through the rig's telemetry; does not shut telemetry down. */
export async function runFlowOn(
  rig: TelemetryRig,
  worker: WorkerConfig,
  yaml: string,
  signal?: AbortSignal,
): Promise<{ result: FlowRunResult; wallMs: number }> {
  const started = performance.now();
  const result = await runFlow({
    flow: parseFlow(yaml, 'reliability.yaml'),
    worker,
    container: rig.container,
    telemetry: rig.handle,
    taskClasses: [BurstSourceTask],
    ...(signal === undefined ? {} : { signal }),
  });
  return { result, wallMs: performance.now() - started };
}

/** A loopback port nothing listens on (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Log lines captured while the CLI's telemetry warnings are installed. */
export interface CapturedWarnings {
  /** Every JSON line written so far. */
  lines(): Record<string, unknown>[];
  /** Puts the global error handler, diag logger, failure listener and logger back. */
  restore(): void;
}

/**
 * Installs what the CLI installs (`installTelemetryWarnings`) with a short
 * interval, writing to a captured JSON logger instead of stderr.
 */
export function captureTelemetryWarnings(intervalMs: number): CapturedWarnings {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const previousListener = setTelemetryFailureListener(undefined);
  resetLogger();
  setLogger(createLogger({ destination: stream, format: 'json', level: 'warn' }));
  installTelemetryWarnings(intervalMs);
  return {
    lines: () => [...lines],
    restore: () => {
      setGlobalErrorHandler(loggingErrorHandler());
      diag.disable();
      setTelemetryFailureListener(previousListener);
      resetLogger();
    },
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Calls `fn` every `ms` until the returned stop function is called. */
export function every(ms: number, fn: () => void): () => void {
  const timer = setInterval(fn, ms);
  return () => clearInterval(timer);
}

/** Writes measurements to stderr when FLOWGEN_SPEC_REPORT is set (for reports; silent in CI). */
export function reportMeasurement(label: string, data: unknown): void {
  if (process.env['FLOWGEN_SPEC_REPORT'] === undefined) return;
  process.stderr.write(`[measure] ${label}: ${JSON.stringify(data)}\n`);
}
