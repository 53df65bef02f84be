/*
 * Loaded first by the `flowgen` bin, before OpenTelemetry, gRPC or the flow:
 * so it imports nothing but Node itself, and a signal that arrives while the
 * rest loads is already a graceful stop instead of a kill.
 */
import { readFileSync } from 'node:fs';
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
  /** Signals this process listens to (SIGHUP is left alone when it was ignored at start, as under `nohup`). */
  readonly signals: readonly NodeJS.Signals[];
  /** Whether SIGHUP was ignored when the process started (`nohup`): the worker is meant to outlive its parent. */
  readonly detached: boolean;
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
  /** The `SigIgn` mask text of /proc/self/status (default: read it; absent off Linux). */
  readonly ignoredMask?: string;
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
  const detached = sighupIgnored(options.ignoredMask ?? readIgnoredMask());
  const signals = STOP_SIGNALS.filter((s) => !(detached && s === 'SIGHUP'));
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
    signals,
    detached,
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

/** SIGHUP is signal 1: bit 0 of the hexadecimal SigIgn mask. */
function sighupIgnored(mask: string | undefined): boolean {
  if (mask === undefined || !/^[0-9a-f]+$/i.test(mask)) return false;
  return (parseInt(mask.slice(-1), 16) & 1) === 1;
}

function readIgnoredMask(): string | undefined {
  try {
    return /^SigIgn:\s*([0-9a-f]+)$/im.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  } catch {
    return undefined; // not Linux: no way to tell, so SIGHUP stops the worker
  }
}
