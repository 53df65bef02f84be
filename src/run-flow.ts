import type { DependencyContainer } from 'tsyringe';
import { container as rootContainer } from 'tsyringe';
import { loadWorkerConfig } from './config/worker-config';
import type { WorkerConfig } from './config/worker-config';
import { BUILTIN_TASKS } from './connectors/builtin-tasks';
import { sumIncomingTraceStats } from './connectors/incoming-trace-policy';
import type { IncomingTraceStats } from './connectors/incoming-trace-policy';
import type { Constructor } from './metadata/task-metadata';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './telemetry/create-providers';
import type { CreateProvidersOptions } from './telemetry/create-providers';
import type { Logger } from './telemetry/logger';
import { getLogger } from './telemetry/logger';
import { spansLost } from './telemetry/export-retry-stats';
import { OpenSpanCounter } from './telemetry/open-span-counter';
import { registerTelemetry } from './telemetry/register-telemetry';
import type { TelemetryHandle } from './telemetry/telemetry-handle';
import type { FlowDefinition } from './runtime/flow-definition';
import { loadFlowFile } from './runtime/flow-loader';
import { planFlow } from './runtime/flow-plan';
import type { FlowRunStats } from './runtime/flow-worker';
import { FlowWorker, totalOf } from './runtime/flow-worker';
import { ShutdownBudget, settlesWithin } from './runtime/shutdown-budget';
import { TaskFailedError } from './runtime/task-failed-error';
import { registerTaskClasses } from './runtime/task-registry';

/** Options of {@link runFlow}. */
export interface RunFlowOptions {
  /** The flow: a parsed definition or the path of its YAML file. */
  readonly flow: FlowDefinition | string;
  /** The worker config (telemetry, retry defaults, deadlines); all defaults when omitted. */
  readonly worker?: WorkerConfig;
  /** The container to resolve tasks from (default: a new child of tsyringe's root). */
  readonly container?: DependencyContainer;
  /** The user's own `@Task` classes, registered beside the built-in ones. */
  readonly taskClasses?: readonly Constructor[];
  /**
   * Telemetry already registered in `container` (the test kit's handle). When
   * omitted, telemetry is built from `worker.telemetry` and shut down at the end.
   */
  readonly telemetry?: TelemetryHandle;
  /** Options for the providers built from `worker.telemetry`. */
  readonly providers?: CreateProvidersOptions;
  /**
   * Install the flow's tracer and meter providers as the OTel globals while
   * it runs, so instrumentation libraries export through the same pipeline
   * and `service.name` (`flowgen run` does; default off). Ignored when
   * `telemetry` is given.
   */
  readonly installGlobals?: boolean;
  /**
   * Aborting starts a graceful shutdown: sources stop, in-flight events get
   * until the deadline (`worker.shutdown_timeout`, less a share kept for the
   * telemetry flush), then are abandoned and counted as lost.
   */
  readonly signal?: AbortSignal;
  /** Events a channel between two tasks holds before the sender waits (default 64). */
  readonly channelCapacity?: number;
  /** Logger (default: the toolkit's stderr logger). */
  readonly logger?: Logger;
}

/** What {@link runFlow} returns. */
export interface FlowRunResult {
  /** The flow's name. */
  readonly flow: string;
  /** Per-task counts: processed (ok + failed), failed, emitted. */
  readonly stats: FlowRunStats;
  /**
   * Events handed to a task and never finished, per task (only tasks with
   * some): abandoned at the shutdown deadline. Empty when nothing was lost.
   */
  readonly lost: Readonly<Record<string, number>>;
}

/**
 * Runs a flow to its end (its sources are done) or until `signal` aborts:
 * checks the whole flow before anything starts, builds telemetry from the
 * worker config, starts the worker, runs every task, shuts down gracefully
 * and flushes telemetry. Rejects with a `TaskFailedError` (after that same
 * shutdown) when a task stopped with an error instead of finishing.
 *
 * @example
 * ```ts
 * const result = await runFlow({ flow: 'flows/orders.yaml', worker: loadWorkerConfigFile('worker.yaml') });
 * console.log(result.stats);
 * ```
 */
export async function runFlow(options: RunFlowOptions): Promise<FlowRunResult> {
  const worker = options.worker ?? loadWorkerConfig(undefined);
  const container = options.container ?? rootContainer.createChildContainer();
  // Classes registered already (here or on an ancestor) are skipped by registerTaskClasses.
  registerTaskClasses(container, [...BUILTIN_TASKS, ...(options.taskClasses ?? [])]);
  const def = typeof options.flow === 'string' ? loadFlowFile(options.flow) : options.flow;
  const plan = planFlow(def, container, worker);
  const openSpans = new OpenSpanCounter();
  const telemetry =
    options.telemetry ??
    registerTelemetry(container, worker.telemetry, {
      ...options.providers,
      installGlobals: options.installGlobals,
      spanProcessors: [...(options.providers?.spanProcessors ?? []), openSpans],
      // Exports still in flight are cut when the flush has had shutdown_timeout,
      // also for a library caller whose process goes on after runFlow returns.
      shutdownTimeoutMs:
        options.providers?.shutdownTimeoutMs ??
        Math.min(DEFAULT_SHUTDOWN_TIMEOUT_MS, worker.shutdownTimeoutMs),
    });
  const flushesTelemetry = options.telemetry === undefined && telemetry.enabled;
  const log = options.logger ?? getLogger();
  let budget: ShutdownBudget | undefined;
  let manager: FlowWorker | undefined;
  try {
    manager = container.resolve(FlowWorker);
    await manager.start(plan, container, {
      channelCapacity: options.channelCapacity,
      shutdownTimeoutMs: worker.shutdownTimeoutMs,
      logger: options.logger,
      coordination: worker.coordination,
    });
    // Stopped before it began (a signal during start-up): sources produce nothing.
    if (options.signal?.aborted === true) manager.stop();
    const done = manager.run();
    await untilDoneOrAborted(done, options.signal);
    budget = new ShutdownBudget(worker.shutdownTimeoutMs, flushesTelemetry);
    await manager.shutdown(budget.forEventsMs());
    const lost = manager.lost();
    reportLostEvents(lost, log);
    const failures = manager.failures();
    if (failures.length > 0) throw new TaskFailedError(failures);
    return { flow: plan.name, stats: manager.stats(), lost };
  } finally {
    if (options.telemetry === undefined) {
      // The flush gets what the events left of shutdown_timeout, never more:
      // exports still in flight then are abandoned and counted as lost.
      budget ??= new ShutdownBudget(worker.shutdownTimeoutMs, flushesTelemetry);
      const remaining = budget.remainingMs();
      if (!(await settlesWithin(telemetry.shutdown(), remaining))) {
        log.warn(
          { budget_ms: remaining },
          'telemetry flush cut at the shutdown deadline; exports in flight are abandoned',
        );
      }
      reportExport(
        telemetry,
        log,
        openSpans.open,
        sumIncomingTraceStats(manager?.taskInstances() ?? []),
      );
    }
  }
}

/* Every event a task was handed either finished (ok or failed) or is counted here. */
function reportLostEvents(lost: Readonly<Record<string, number>>, log: Logger): void {
  const total = totalOf(lost);
  if (total === 0) return;
  log.warn(
    { events_lost: total, lost_by_task: lost },
    'some events were started and never finished; they are lost',
  );
}

/*
 * Every span of a processed event either reached the collector or is counted
 * here: one line at the end of the run says which. A span still open now
 * (started by a handler the shutdown deadline abandoned) is never exported.
 */
function reportExport(
  telemetry: TelemetryHandle,
  log: Logger,
  openSpans: number,
  incoming: IncomingTraceStats,
): void {
  const stats = telemetry.exportStats();
  if (stats?.spansEnded === undefined || stats.spans === undefined) return;
  const lost = spansLost(stats) + openSpans;
  const line = {
    spans_ended: stats.spansEnded,
    spans_exported: stats.spans?.exportedItems ?? 0,
    spans_lost: lost,
    ...(openSpans > 0 ? { spans_never_ended: openSpans } : {}),
    export_retries: stats.spans?.retries ?? 0,
    // Requests whose client said "not sampled": traced anyway, or suppressed
    // because an endpoint was told to honour the flag (honor_sampled_flag).
    ...(incoming.unsampledTraced > 0
      ? { unsampled_requests_traced: incoming.unsampledTraced }
      : {}),
    ...(incoming.unsampledSuppressed > 0
      ? { spans_suppressed_by_client: incoming.unsampledSuppressed }
      : {}),
  };
  if (incoming.unsampledSuppressed > 0) {
    log.warn(
      line,
      'telemetry: clients switched tracing off for some requests (honor_sampled_flag)',
    );
  } else if (lost > 0) log.warn(line, 'telemetry: some spans never reached the collector');
  else log.info(line, 'telemetry: every span was exported');
}

async function untilDoneOrAborted(
  done: Promise<unknown>,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal === undefined) {
    await done;
    return;
  }
  if (signal.aborted) return;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([done, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}
