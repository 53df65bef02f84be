import { loadWorkerConfig, loadWorkerConfigFile } from '../config/worker-config';
import { getLogger } from '../telemetry/logger';
import { totalOf } from '../runtime/flow-worker';
import { runFlow } from '../run-flow';
import { EXIT_FAILURE, EXIT_OK } from './exit-codes';
import { loadTaskModules } from './load-task-modules';
import { watchForOrphaning } from './orphan-watch';
import type { StopRequests } from './signal-handling';

/** Options of `flowgen run`. */
export interface RunCommandOptions {
  /** The worker config file (telemetry, retry defaults, deadlines). */
  readonly config?: string;
  /** Task modules to load besides the config's `modules:` (`--require`). */
  readonly require?: readonly string[];
  /**
   * Whether to stop gracefully when the parent process exits (default true).
   * False for a worker detached on purpose (`setsid flowgen run ... &`).
   */
  readonly parentWatch?: boolean;
}

/**
 * Time past `shutdown_timeout` after which a stop that has not returned is
 * cut short. The shutdown path is bounded by itself; this is the last guard.
 */
export const SHUTDOWN_WATCHDOG_MARGIN_MS = 1_500;

/**
 * `flowgen run <flow.yaml> [--config worker.yaml]`: runs the flow until its
 * sources are done, or until a stop request: SIGTERM, SIGINT or SIGHUP, or
 * the parent process dying (see {@link watchForOrphaning}). The sources stop
 * first, in-flight events finish or are abandoned at `shutdown_timeout`,
 * telemetry is flushed within what is left, the report counts what was lost,
 * and the command returns; the bin then exits at once. A second signal exits
 * 130 at any moment.
 */
export async function runCommand(
  flowFile: string,
  options: RunCommandOptions,
  stop: StopRequests,
): Promise<number> {
  const log = getLogger();
  stop.setReporter({
    stopping: (reason) =>
      log.info({ signal: reason }, 'stopping: no new events; finishing in-flight events'),
    exitingNow: (signal) => log.warn({ signal }, 'second signal: exiting now'),
  });
  const worker =
    options.config === undefined
      ? loadWorkerConfig(undefined)
      : loadWorkerConfigFile(options.config);
  const taskClasses = await loadTaskModules({
    configModules: worker.modules,
    configFile: options.config,
    required: options.require,
  });
  const unwatch = armWatchdog(stop.signal, worker.shutdownTimeoutMs);
  const stopWatchingParent =
    options.parentWatch === false
      ? () => undefined
      : watchForOrphaning((from, to) => {
          log.warn(
            { former_parent_pid: from, parent_pid: to },
            'the parent process exited (this worker was orphaned); stopping gracefully',
          );
          stop.request('orphaned');
        });
  try {
    // A signal that came while the config was read (a blocking read) is
    // delivered on the next turn of the event loop: take it before starting.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // The worker's providers become the OTel globals, so instrumentation
    // libraries loaded with the flow's tasks export with its service.name.
    const result = await runFlow({
      flow: flowFile,
      worker,
      signal: stop.signal,
      taskClasses,
      installGlobals: true,
    });
    log.info(
      { flow: result.flow, stats: result.stats, events_lost: totalOf(result.lost) },
      'flow finished',
    );
    return EXIT_OK;
  } finally {
    stopWatchingParent();
    unwatch();
  }
}

/*
 * Once a stop is requested the process is gone by shutdown_timeout plus a
 * margin, even if something in the shutdown path itself hangs.
 */
function armWatchdog(signal: AbortSignal, shutdownTimeoutMs: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    timer = setTimeout(() => {
      getLogger().fatal(
        { shutdown_timeout_ms: shutdownTimeoutMs },
        'shutdown did not finish within shutdown_timeout; exiting now',
      );
      process.exit(EXIT_FAILURE);
    }, shutdownTimeoutMs + SHUTDOWN_WATCHDOG_MARGIN_MS);
    timer.unref();
  };
  if (signal.aborted) arm();
  else signal.addEventListener('abort', arm, { once: true });
  return () => {
    signal.removeEventListener('abort', arm);
    clearTimeout(timer);
  };
}
