import { reportTelemetryFailure } from './telemetry-failure';

/**
 * Waits for `work` at most `ms` milliseconds and never rejects: a failure or
 * a time-out is reported as a telemetry failure, so flush and shutdown return
 * in bounded time even when the collector is unreachable.
 */
export async function bounded(
  work: () => Promise<unknown>,
  ms: number,
  what: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(work), timeout]);
    if (outcome === 'timeout') {
      reportTelemetryFailure(new Error(`${what} did not finish within ${ms} ms`), what);
    }
  } catch (error) {
    reportTelemetryFailure(error, what);
  } finally {
    clearTimeout(timer);
  }
}
