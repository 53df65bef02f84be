import 'reflect-metadata';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { container as rootContainer } from 'tsyringe';
import { loadWorkerConfig, parseFlow, registerTelemetry, runFlow } from '../src';
import { mainThreadCpuMs, processCpuMs } from './cpu-time';
import type { Constructor } from '../src';
import { FastSourceTask, SinkTask, benchFlowYaml, flowClock } from './flow-tasks';
import { startReceiverProcess } from './receiver-process';
import type { ReceiverProcess } from './receiver-process';
import { CountingSpanExporter, CountingSpanProcessor, NoopSpanExporter } from './span-counters';

/**
 * Where the flow's spans go: `off`; `noop` (the SDK's BatchSpanProcessor
 * over a no-op exporter, the reference); `grpc` / `grpc-lean` (the toolkit's
 * export pipeline over OTLP/gRPC to the built-in receiver / the lean one, in
 * another process); `grpc-stock` (BatchSpanProcessor + the stock
 * OTLPTraceExporter to the lean receiver: the pipeline before this one);
 * `closed-port` (the toolkit's pipeline, nothing listening).
 */
export type FlowTelemetry = 'off' | 'noop' | 'grpc' | 'grpc-lean' | 'grpc-stock' | 'closed-port';

/** The `telemetry.batch` block of the worker config. */
export interface BatchSettings {
  readonly max_queue_size?: number;
  readonly max_queue_bytes?: number;
  readonly max_export_batch_size?: number;
  readonly scheduled_delay?: string;
}

/** One run of the three-task flow. */
export interface FlowScenario {
  readonly label: string;
  readonly events: number;
  readonly telemetry: FlowTelemetry;
  readonly batch?: BatchSettings;
  /** Source pushes in flight (default 1). */
  readonly window?: number;
  /** The source yields to the event loop every this many events (default 0: never). */
  readonly yieldEvery?: number;
  /** Stop the source after this many ms (default: no cap). */
  readonly maxMs?: number;
  /** Events run first, in a flow of their own, before measuring (JIT, module loading). */
  readonly warmupEvents?: number;
  /** The script task's `timeout` (default `none`: no watchdog thread per event). */
  readonly scriptTimeout?: string;
}

/** What one run measured. */
export interface FlowResult {
  readonly label: string;
  readonly telemetry: FlowTelemetry;
  readonly batch: BatchSettings;
  /** Events through the sink. */
  readonly events: number;
  /** Set when the source stopped at its time cap before `scenario.events`. */
  readonly cappedAtMs?: number;
  /** Events through the sink per second, from the source's start to the sink's last event. */
  readonly eventsPerSec: number;
  /** Source start to the sink's last event, ms. */
  readonly elapsedMs: number;
  /** Sink's last event to the end of the telemetry shutdown (the final drain), ms. */
  readonly shutdownMs: number;
  /** Events per second from the source's start to the end of the final drain (every span exported or given up). */
  readonly sustainedPerSec: number;
  /** Main-thread CPU per event, µs (runFlow start to the end of the drain). */
  readonly mainCpuUsPerEvent: number;
  /** Whole-process CPU per event (export worker thread, GC and libuv included), µs. */
  readonly processCpuUsPerEvent: number;
  /** Spans dropped because the byte-bounded queue was full (the toolkit's pipeline). */
  readonly droppedByBytes: number;
  /** The most encoded bytes queued at once (the toolkit's pipeline). */
  readonly peakQueuedBytes: number;
  /** Spans ended in the measured flow. */
  readonly spansEnded: number;
  /** Spans the exporter acknowledged. */
  readonly spansExported: number;
  /** Spans in failed export calls. */
  readonly spansFailedExport: number;
  /** Spans the BatchSpanProcessor dropped because its queue was full (its diag warnings). */
  readonly droppedByQueue: number;
  /** Ended minus exported: every span that never reached the collector. */
  readonly spansLost: number;
  readonly exportCalls: number;
  /** Peak RSS of the process, MiB. */
  readonly peakRssMiB: number;
  /** RSS after the warm-up (after GC), MiB. */
  readonly rssBeforeMiB: number;
  /** RSS when the sink saw the last event, MiB. */
  readonly rssAtEndMiB: number;
  /** RSS after `runFlow` returned (after GC), MiB. */
  readonly rssAfterMiB: number;
  /** Heap used before and after (after GC), MiB. */
  readonly heapBeforeMiB: number;
  readonly heapAfterMiB: number;
  /** RSS sampled every ~10% of events, MiB. */
  readonly rssSamplesMiB: number[];
  /** How often a 10 ms interval timer fired during the measured flow: 0 means the flow starved the event loop. */
  readonly timerTicks: number;
}

const MiB = 1024 * 1024;

function gcAndMeasure(): NodeJS.MemoryUsage {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
}

/** A port nothing listens on: bound, read, closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const noopMetricExporter: PushMetricExporter = {
  export: (_metrics, done) => done({ code: ExportResultCode.SUCCESS }),
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

/** Counts the BatchSpanProcessor's "Dropped N spans" warnings. */
function watchDrops(): { dropped: number; errors: number } {
  const seen = { dropped: 0, errors: 0 };
  const onMessage = (message: string): void => {
    const m = /Dropped (\d+) spans/.exec(message);
    if (m !== null) seen.dropped += Number(m[1]);
  };
  diag.setLogger(
    {
      error: () => {
        seen.errors++;
      },
      warn: onMessage,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return seen;
}

/*
 * BENCH_TASK_MODULE names a module (path) whose exported classes join the
 * flow's task classes; a class of a built-in type (e.g. a variant of
 * `script`) replaces the built-in. For local experiments on the hot path.
 */
function experimentTaskClasses(): Constructor[] {
  const path = process.env.BENCH_TASK_MODULE;
  if (path === undefined || path === '') return [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(resolve(path)) as Record<string, unknown>;
  return Object.values(mod).filter((v): v is Constructor => typeof v === 'function');
}

/** What one flow run counted. */
interface OnceResult {
  readonly ended: number;
  readonly exported: number;
  readonly failed: number;
  readonly calls: number;
  readonly droppedByBytes: number;
  readonly peakQueuedBytes: number;
  /** performance.now() when the telemetry shutdown (the final drain) ended. */
  readonly drainedAt: number;
  readonly mainCpuMs: number;
  readonly processCpuMs: number;
}

/** Runs the flow once under `scenario`'s telemetry; resolves after the telemetry shutdown. */
async function runOnce(
  scenario: FlowScenario,
  events: number,
  endpoint: string,
  maxMs = 0,
): Promise<OnceResult> {
  const counter = new CountingSpanProcessor();
  let exporter: CountingSpanExporter | undefined;
  const batch = scenario.batch ?? {};
  const worker = loadWorkerConfig(
    scenario.telemetry === 'off'
      ? {}
      : { telemetry: { enabled: true, otlp_endpoint: endpoint, service_name: 'bench', batch } },
  );
  let spanExporter: SpanExporter | undefined;
  if (scenario.telemetry === 'noop') spanExporter = new NoopSpanExporter();
  else if (scenario.telemetry === 'grpc-stock') {
    const cfg = worker.telemetry!;
    spanExporter = new OTLPTraceExporter({
      url: cfg.endpoint.url,
      timeoutMillis: cfg.batch.exportTimeoutMs,
    });
  }
  if (spanExporter !== undefined) spanExporter = exporter = new CountingSpanExporter(spanExporter);
  flowClock.sinkReceived = 0;
  flowClock.sinkDone = 0;
  const container = rootContainer.createChildContainer();
  const telemetry = registerTelemetry(container, worker.telemetry, {
    spanExporter,
    spanProcessors: [counter],
    ...(scenario.telemetry === 'noop' ? { metricExporter: noopMetricExporter } : {}),
  });
  const mainBefore = mainThreadCpuMs();
  const processBefore = processCpuMs();
  try {
    await runFlow({
      flow: parseFlow(
        benchFlowYaml(
          events,
          scenario.window ?? 1,
          scenario.yieldEvery ?? 0,
          maxMs,
          scenario.scriptTimeout ?? 'none',
        ),
        'bench.yaml',
      ),
      worker,
      container,
      telemetry,
      taskClasses: [FastSourceTask, SinkTask, ...experimentTaskClasses()],
    });
  } finally {
    await telemetry.shutdown();
  }
  const drainedAt = performance.now();
  const mainCpuMs = mainThreadCpuMs() - mainBefore;
  const cpuMs = processCpuMs() - processBefore;
  const stats = telemetry.exportStats();
  const spans = stats?.spans;
  return {
    ended: counter.ended,
    exported: exporter?.exported ?? spans?.exportedItems ?? 0,
    failed:
      exporter?.failed ?? (spans === undefined ? 0 : spans.droppedItems - spans.overloadItems),
    calls:
      exporter?.calls ?? (spans === undefined ? 0 : spans.exportedBatches + spans.droppedBatches),
    droppedByBytes: spans?.overloadItems ?? 0,
    peakQueuedBytes: stats?.spanQueue?.peakQueuedBytes ?? 0,
    drainedAt,
    mainCpuMs,
    processCpuMs: cpuMs,
  };
}

/** Runs one scenario in this process (a bench child). */
export async function runFlowScenario(scenario: FlowScenario): Promise<FlowResult> {
  const drops = watchDrops();
  let receiver: ReceiverProcess | undefined;
  let endpoint = 'http://127.0.0.1:4317';
  if (scenario.telemetry === 'grpc') {
    receiver = await startReceiverProcess('built-in');
    endpoint = receiver.endpoint;
  } else if (scenario.telemetry === 'grpc-lean' || scenario.telemetry === 'grpc-stock') {
    receiver = await startReceiverProcess('lean');
    endpoint = receiver.endpoint;
  } else if (scenario.telemetry === 'closed-port') {
    endpoint = `http://127.0.0.1:${await closedPort()}`;
  }
  try {
    if ((scenario.warmupEvents ?? 0) > 0) await runOnce(scenario, scenario.warmupEvents!, endpoint);
    drops.dropped = 0;
    drops.errors = 0;
    const before = gcAndMeasure();
    const samples: number[] = [];
    let rssAtEnd = 0;
    const step = Math.max(1, Math.floor(scenario.events / 10));
    let ticks = 0;
    const sampler = setInterval(() => {
      ticks++;
      if (flowClock.sinkReceived >= (samples.length + 1) * step)
        samples.push(process.memoryUsage.rss() / MiB);
    }, 10);
    flowClock.onDone = () => {
      rssAtEnd = process.memoryUsage.rss() / MiB;
    };
    const once = await runOnce(scenario, scenario.events, endpoint, scenario.maxMs);
    clearInterval(sampler);
    const after = gcAndMeasure();
    const elapsedMs = flowClock.sinkDone - flowClock.sourceStart;
    const events = flowClock.sinkReceived;
    const exported = once.exported;
    const ended = once.ended;
    return {
      label: scenario.label,
      telemetry: scenario.telemetry,
      batch: scenario.batch ?? {},
      events,
      cappedAtMs: events < scenario.events ? scenario.maxMs : undefined,
      eventsPerSec: (events / elapsedMs) * 1000,
      elapsedMs,
      shutdownMs: once.drainedAt - flowClock.sinkDone,
      sustainedPerSec: (events / (once.drainedAt - flowClock.sourceStart)) * 1000,
      mainCpuUsPerEvent: (once.mainCpuMs * 1000) / events,
      processCpuUsPerEvent: (once.processCpuMs * 1000) / events,
      droppedByBytes: once.droppedByBytes,
      peakQueuedBytes: once.peakQueuedBytes,
      spansEnded: ended,
      spansExported: exported,
      spansFailedExport: once.failed,
      droppedByQueue: drops.dropped,
      spansLost: scenario.telemetry === 'off' ? 0 : ended - exported,
      exportCalls: once.calls,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      rssBeforeMiB: before.rss / MiB,
      rssAtEndMiB: rssAtEnd,
      rssAfterMiB: after.rss / MiB,
      heapBeforeMiB: before.heapUsed / MiB,
      heapAfterMiB: after.heapUsed / MiB,
      rssSamplesMiB: samples,
      timerTicks: ticks,
    };
  } finally {
    await receiver?.stop();
  }
}
