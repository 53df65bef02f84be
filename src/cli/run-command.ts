import { loadWorkerConfig, loadWorkerConfigFile } from '../config/worker-config';
import { getLogger } from '../telemetry/logger';
import { runFlow } from '../run-flow';
import { EXIT_INTERRUPTED, EXIT_OK } from './exit-codes';
import { loadTaskModules } from './load-task-modules';

/** Options of `flowgen run`. */
export interface RunCommandOptions {
  /** The worker config file (telemetry, retry defaults, deadlines). */
  readonly config?: string;
  /** Task modules to load besides the config's `modules:` (`--require`). */
  readonly require?: readonly string[];
}

/**
 * `flowgen run <flow.yaml> [--config worker.yaml]`: runs the flow until its
 * sources are done, or until SIGTERM/SIGINT: the first signal stops the
 * sources and lets in-flight events finish (bounded by `shutdown_timeout`),
 * flushes telemetry and exits 0; a second signal exits at once.
 */
export async function runCommand(flowFile: string, options: RunCommandOptions): Promise<number> {
  const worker =
    options.config === undefined
      ? loadWorkerConfig(undefined)
      : loadWorkerConfigFile(options.config);
  const taskClasses = await loadTaskModules({
    configModules: worker.modules,
    configFile: options.config,
    required: options.require,
  });
  const log = getLogger();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(EXIT_INTERRUPTED);
    }
    log.info({ signal }, 'stopping: no new events; finishing in-flight events');
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    // The worker's providers become the OTel globals, so instrumentation
    // libraries loaded with the flow's tasks export with its service.name.
    const result = await runFlow({
      flow: flowFile,
      worker,
      signal: controller.signal,
      taskClasses,
      installGlobals: true,
    });
    log.info({ flow: result.flow, stats: result.stats }, 'flow finished');
    return EXIT_OK;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
