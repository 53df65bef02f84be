/*
 * Loaded first by the `flowgen` bin, before OpenTelemetry, gRPC or the flow:
 * so it imports nothing but Node itself, and a signal that arrives while the
 * rest loads is already a graceful stop instead of a kill.
 */
import { EXIT_INTERRUPTED } from './exit-codes';

/** The signals that stop a worker gracefully: SIGTERM (orchestrators), SIGINT (Ctrl-C), SIGHUP (terminal closed). */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** What is said when a stop is requested; set by the command once its logger exists. */
export interface StopReporter {
  /** The first stop request (a signal name, or another reason such as `orphaned`). */
  stopping(reason: string): void;
  /** A second signal: the process exits right after this returns. */
  exitingNow(signal: NodeJS.Signals): void;
}

/** The stop requests of this process, from its first line on. */
export interface StopRequests {
  /** Aborted at the first request; its `reason` is the signal name or the other reason given. */
  readonly signal: AbortSignal;
  /** Requests a graceful stop for another reason than a signal (e.g. the parent process died). */
  request(reason: string): void;
  /** Sets who reports; a request made before is reported at once. */
  setReporter(reporter: StopReporter): void;
  /** Removes the signal listeners (specs). */
  uninstall(): void;
}

/** Options of {@link installStopSignals}. */
export interface StopSignalOptions {
  /** Ends the process on a second signal (default `process.exit`). */
  readonly exit?: (code: number) => void;
}

/**
 * Listens to SIGTERM, SIGINT and SIGHUP: the first one aborts
 * {@link StopRequests.signal} (the command then stops its sources, finishes
 * or abandons in-flight events within `shutdown_timeout`, reports and
 * exits); any signal after that exits at once with code 130, at any moment,
 * also after the flow returned.
 *
 * @example
 * ```ts
 * const stop = installStopSignals();
 * await runFlow({ flow, worker, signal: stop.signal });
 * ```
 */
export function installStopSignals(options: StopSignalOptions = {}): StopRequests {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const controller = new AbortController();
  // Node resets an inherited SIG_IGN at start-up, so `nohup` cannot keep
  // SIGHUP away: it always stops the worker gracefully (documented).
  const signals = STOP_SIGNALS;
  let reporter: StopReporter | undefined;

  const request = (reason: string): void => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    reporter?.stopping(reason);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      request(signal);
      return;
    }
    if (reporter !== undefined) reporter.exitingNow(signal);
    else process.stderr.write(`flowgen: second signal (${signal}): exiting now\n`);
    exit(EXIT_INTERRUPTED);
  };
  for (const signal of signals) process.on(signal, onSignal);

  return {
    signal: controller.signal,
    request,
    setReporter(next: StopReporter): void {
      reporter = next;
      if (controller.signal.aborted) next.stopping(String(controller.signal.reason));
    },
    uninstall(): void {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
